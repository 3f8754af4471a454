// e2e-rusage OUT PROGRAM [ARGS...]: run PROGRAM as our child and write its
// rusage (from wait4) to OUT, then end as it ended (same exit code or signal).
// Why: a child forked from a big process starts with that process's resident
// pages, and ru_maxrss keeps that high-water mark across exec; forked from
// this small program, the tool's peak RSS is its own (as under time -v).
// Line written: wall_ns user_us sys_us maxrss_kib inblock oublock nvcsw nivcsw
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: e2e-rusage OUT PROGRAM [ARGS...]\n");
        return 127;
    }
    // the caller signals the whole process group: the tool gets it, we wait for its outcome
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) signal(s, SIG_IGN);
    const pid_t parent = getpid();
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        std::perror("e2e-rusage: fork");
        return 127;
    }
    if (pid == 0) {
        for (int s : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) signal(s, SIG_DFL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        execv(argv[2], argv + 2);
        std::fprintf(stderr, "e2e-rusage: cannot run %s: %s\n", argv[2], std::strerror(errno));
        _exit(127);
    }
    int st = 0;
    rusage ru{};
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {}
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (FILE* f = std::fopen(argv[1], "w")) {
        long long wall = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
        std::fprintf(f, "%lld %lld %lld %ld %ld %ld %ld %ld\n", wall,
                     ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
                     ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss, ru.ru_inblock, ru.ru_oublock,
                     ru.ru_nvcsw, ru.ru_nivcsw);
        std::fclose(f);
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) {
        const int sig = WTERMSIG(st);
        rlimit none{0, 0};
        setrlimit(RLIMIT_CORE, &none);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, nullptr);
        raise(sig);
    }
    return 127;
}
