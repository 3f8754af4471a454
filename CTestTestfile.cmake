# Lets `ctest -L <label>` run from the repository root: it points at the build
# tree that `scripts/e2e build` (or `cmake --preset ci && cmake --build build`) made.
if(NOT EXISTS "build/CTestTestfile.cmake")
  message(WARNING "backup-e2e: no build tree in ./build yet. Run `scripts/e2e build` first (it bootstraps, configures and builds).")
endif()
subdirs("build")
