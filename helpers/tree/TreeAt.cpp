#include "tree/TreeAt.hpp"

#include "text/Text.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace e2e {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
    throw std::runtime_error(what + " " + printable(path) + ": " + strerror(errno));
}

struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

void walkDir(int dirfd, const std::string& abs, const std::string& rel, const std::function<void(const EntryAt&)>& fn,
             const std::set<std::string>& ignore) {
    std::vector<std::string> names;
    {
        int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
        DIR* d = dup_fd < 0 ? nullptr : fdopendir(dup_fd);
        if (!d) {
            if (dup_fd >= 0) close(dup_fd);
            fail("cannot open directory", abs);
        }
        rewinddir(d);
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n == "." || n == ".." || ignore.count(n)) continue;
            names.push_back(std::move(n));
        }
        closedir(d);
    }
    for (const auto& n : names) {
        const std::string crel = rel.empty() ? n : rel + "/" + n;
        struct stat st {};
        if (fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) fail("cannot stat", abs + "/" + crel);
        fn(EntryAt{dirfd, n, crel, st});
        if (!S_ISDIR(st.st_mode)) continue;
        Fd child(openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (child.fd < 0) fail("cannot open directory", abs + "/" + crel);
        walkDir(child.fd, abs, crel, fn, ignore);
    }
}

}  // namespace

int openLong(const std::filesystem::path& p, int flags, unsigned mode) {
    const std::string& s = p.native();
    if (s.size() < PATH_MAX) return open(s.c_str(), flags, mode);
    Fd at(open(s[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    std::size_t from = s[0] == '/' ? 1 : 0;
    for (;;) {
        if (at.fd < 0) return -1;
        const std::size_t slash = s.find('/', from);
        if (slash == std::string::npos) return openat(at.fd, s.c_str() + from, flags, mode);
        const std::string part = s.substr(from, slash - from);
        from = slash + 1;
        if (part.empty()) continue;
        int next = openat(at.fd, part.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        close(at.fd);
        at.fd = next;
    }
}

void walkAt(const std::filesystem::path& root, const std::function<void(const EntryAt&)>& fn,
            const std::set<std::string>& ignore) {
    Fd top(openLong(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (top.fd < 0) fail("cannot open directory", root.string());
    walkDir(top.fd, root.string(), "", fn, ignore);
}

}  // namespace e2e
