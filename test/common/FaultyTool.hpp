#pragma once
// Deliberately faulty tools for the self-tests (the fake is the point there):
// a script in `dir` that sets $real to the real binary, then runs `script`
// with the tool's arguments in "$@".
#include <filesystem>
#include <string>

namespace e2e {

std::filesystem::path writeFaultyWrapper(const std::filesystem::path& dir, const std::string& tool,
                                         const std::filesystem::path& real, const std::string& fault,
                                         const std::string& script);

// restic restore ... --target DIR, then every file of DIR cut just after the
// last line ending a statement (';') before its middle, else at the middle: a
// SQL dump stays loadable and only the counts can tell; binary dumps end early.
extern const char* const kTruncateRestoredFiles;

// Its third backup and every one after fail ("the backup after the fault" where two came before it).
extern const char* const kThirdBackupFails;
// Its check rejects the repository, whatever the repository holds.
extern const char* const kCheckRejects;

}  // namespace e2e
