#pragma once
// The backend registry: one line per repository backend kind. Everything that
// names a kind takes it from here: the config's validation, the scenarios'
// instantiations (one per kind: Local/, Rest/, ...), the CMake labels (read
// from the lines below by cmake/E2ESuite.cmake) and the fixtures' factory
// (fixtures/backends/Backend.hpp: makeBackend). A new kind is its fixture,
// one line here, and the drivers that can speak it (Capabilities::backends).
#include <string>
#include <vector>

// X(kind, TestPrefix, remote, unencrypted_row, restartable, what): kind is
// RepoTarget::kind, the config's `backend:` value and the ctest label;
// TestPrefix starts the test names of its rows; remote: a server stands
// between the tool and the data; unencrypted_row: the backends area also runs
// the tool with encryption off here; restartable: its server can be killed
// mid-backup and restarted on the same data (the interrupt scenario's server mode).
// cmake/E2ESuite.cmake reads these lines: one entry per line, in this shape.
#define E2E_BACKENDS(X)                                                                                \
    X(local, Local, false, true, false, "a directory on this machine")                                 \
    X(rest, Rest, true, false, true, "a REST server the suite starts (rest-server or the tool's own)") \
    X(s3, S3, true, false, true, "an S3 server the suite starts (versitygw)")                          \
    X(sftp, Sftp, true, false, false, "OpenSSH's sshd the suite starts (internal-sftp)")

namespace e2e {

struct BackendInfo {
    std::string kind;         // local, rest, s3, sftp
    std::string test_prefix;  // Local, Rest, S3, Sftp
    bool remote = false;
    bool unencrypted_row = false;
    bool restartable = false;
    std::string what;
};

const std::vector<BackendInfo>& backendRegistry();
// The entry of `kind`; throws std::invalid_argument naming the known kinds.
const BackendInfo& backendInfo(const std::string& kind);
std::vector<std::string> backendKinds();
std::string backendKindList();  // "local, rest, s3, sftp" (for messages)

}  // namespace e2e
