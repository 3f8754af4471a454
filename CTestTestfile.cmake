# Lets `ctest -L <label>` run from the repository root: it points at the build
# tree that scripts/e2e (or `cmake --preset dev|ci`) configured.
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/build/CTestTestfile.cmake")
  subdirs("build")
else()
  message(FATAL_ERROR "backup-e2e: no build tree at ${CMAKE_CURRENT_LIST_DIR}/build. Run `scripts/e2e build` (or `cmake --preset ci && cmake --build build`) first.")
endif()
