// A run that gets killed: records a temp dir, leaves a stray process that
// escaped its process group (own session, as a daemonising server would),
// then SIGKILLs itself before releasing anything. The janitor self-test runs it
// with its own E2E_RUNTIME and sweeps after it.
#include "janitor/Janitor.hpp"

#include <csignal>
#include <cstdlib>
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
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        setenv(Janitor::kOwnerEnv, Janitor::ownerTag().c_str(), 1);
        execlp("sleep", "sleep", "300", static_cast<char*>(nullptr));
        _exit(127);
    }
    std::cout << pid << std::endl;
    raise(SIGKILL);
}
