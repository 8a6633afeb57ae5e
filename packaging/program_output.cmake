# Runs PROGRAM with ARGUMENT and writes what it prints to OUTPUT, then
# compresses OUTPUT to OUTPUT.gz when COMPRESS is set (gzip -n: no name or
# time inside, so that the same page makes the same bytes).
# Used by packaging/CMakeLists.txt: cmake -DPROGRAM=... -DARGUMENT=... -DOUTPUT=... -P program_output.cmake
execute_process(COMMAND "${PROGRAM}" "${ARGUMENT}" OUTPUT_FILE "${OUTPUT}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${ARGUMENT} failed: ${status}")
endif()
if(COMPRESS)
  execute_process(COMMAND gzip -9nf "${OUTPUT}" RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip ${OUTPUT} failed: ${status}")
  endif()
endif()
