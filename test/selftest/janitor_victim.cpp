// A run that gets killed: records a temp dir, leaves a stray process that
// escaped its process group (own session, as a daemonising server would),
// then SIGKILLs itself before releasing anything. The janitor self-test runs it
// with its own E2E_RUNTIME and sweeps after it.
#include "janitor/Janitor.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <unistd.h>

using namespace e2e;

int main() {
    Janitor& j = Janitor::instance();
    fs::path dir = j.runtimeDir() / "work" / "victim";
    fs::create_directories(dir);
    j.record("dir", dir.string(), "victim work dir");
    std::ofstream(dir / "evidence") << "left by a killed run\n";
    // The owner tag shows in /proc/<pid>/environ only once the child has
    // exec'd: a close-on-exec pipe reads EOF exactly then (a CI run under load
    // once looked between fork and exec and saw no tag).
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        setsid();
        setenv(Janitor::kOwnerEnv, Janitor::ownerTag().c_str(), 1);
        execlp("sleep", "sleep", "300", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(ready[1]);
    char c;
    while (read(ready[0], &c, 1) < 0 && errno == EINTR) {}
    std::cout << pid << std::endl;
    raise(SIGKILL);
}
