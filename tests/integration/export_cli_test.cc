// `kintsugictl export` as a user runs it: a real kintsugid over a ledger that
// holds several weeks of a couple's sample history, and the real kintsugictl.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "daemon/sample_history.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

class CliExport : public ::testing::Test {
 protected:
  std::string alex() const { return dir_ / "alex"; }
  // Alex's daemon, on its own ports, not looking for Sam.
  std::vector<std::string> DaemonArgs() const {
    return {"--listen", "127.0.0.1:" + std::to_string(FreePortPair()), "--no-discovery"};
  }
  PrivateRuntimeDir runtime_;
  TempDir dir_;
};

TEST_F(CliExport, HtmlFileHoldsChartsAndAgreementsAndIsNeverReplacedWithoutForce) {
  daemon::SampleOptions options;  // 42 days, ending now
  ASSERT_TRUE(daemon::CreateSampleCouple(alex(), "Alex", dir_ / "sam", "Sam", options).ok());
  Daemon daemon(alex(), DaemonArgs());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();

  const std::string out = dir_ / "export.html";
  auto r = Ctl(alex(), {"export", "--format", "html", "--out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + out), std::string::npos) << r.out;
  EXPECT_TRUE(FileContains(out, "<svg"));
  EXPECT_TRUE(FileContains(out, "Tell before plans change"));
  EXPECT_TRUE(FileContains(out, "@media print"));
  EXPECT_FALSE(FileContains(out, "Ask about Sunday")) << "a private note in the export";
  struct stat st{};
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string first = ReadFile(out);
  auto again = Ctl(alex(), {"export", "--format", "md", "--out", out});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(std::count(again.err.begin(), again.err.end(), '\n'), 1) << again.err;
  EXPECT_EQ(ReadFile(out), first) << "the file was replaced";

  auto forced = Ctl(alex(), {"export", "--format", "md", "--out", out, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_TRUE(FileContains(out, "## Agreements"));
  EXPECT_FALSE(FileContains(out, "<svg"));

  auto printed = Ctl(alex(), {"export"});  // Markdown, the last 30 days, to stdout
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(printed.out.rfind("# Kintsugi: ", 0), 0u) << printed.out.substr(0, 200);
  EXPECT_NE(printed.out.find("Tell before plans change"), std::string::npos);
  EXPECT_NE(printed.out.find("(30 days)"), std::string::npos);

  // Into a pipe, the document's bytes exactly: the CSV's byte-order mark and
  // its CRLF line ends are not shown as pictures.
  auto csv = Ctl(alex(), {"export", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("\xEF\xBB\xBFsection,table,row,column,value\r\n", 0), 0u) << csv.out.substr(0, 80);
  EXPECT_EQ(csv.out.find("\u240d"), std::string::npos);
}

TEST_F(CliExport, AnEmptyRangeSaysSoAndABackwardRangeIsRefused) {
  Daemon daemon(alex(), DaemonArgs());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(alex(), {"init", "--name", "Robin"}).exit_code, 0);
  const std::string sentence = "Nothing was recorded between 2001-01-01 and 2001-01-31.";

  auto printed = Ctl(alex(), {"export", "--from", "2001-01-01", "--to", "2001-01-31"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find(sentence), std::string::npos) << printed.out;

  const std::string out = dir_ / "empty.csv";
  auto saved = Ctl(alex(), {"export", "--from", "2001-01-01", "--to", "2001-01-31", "--format", "csv", "--out", out});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  EXPECT_NE(saved.out.find(sentence), std::string::npos) << saved.out;
  EXPECT_TRUE(FileContains(out, sentence));

  auto backwards = Ctl(alex(), {"export", "--from", "2001-02-01", "--to", "2001-01-01"});
  EXPECT_EQ(backwards.exit_code, 1);
  EXPECT_NE(backwards.err.find("must not be after"), std::string::npos) << backwards.err;
  EXPECT_TRUE(backwards.out.empty());
  EXPECT_EQ(Ctl(alex(), {"export", "--format", "pdf"}).exit_code, 2);
}

}  // namespace
}  // namespace kintsugi::testing
