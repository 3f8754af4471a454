#include "tree/Digest.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/evp.h>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace e2e {

namespace {

struct MdCtx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~MdCtx() { EVP_MD_CTX_free(ctx); }
};

std::string hex(const unsigned char* d, unsigned n) {
    static const char* h = "0123456789abcdef";
    std::string s(n * 2, '0');
    for (unsigned i = 0; i < n; ++i) {
        s[2 * i] = h[d[i] >> 4];
        s[2 * i + 1] = h[d[i] & 15];
    }
    return s;
}

}  // namespace

std::string sha256(std::string_view data) {
    MdCtx m;
    EVP_DigestInit_ex(m.ctx, EVP_sha256(), nullptr);
    EVP_DigestUpdate(m.ctx, data.data(), data.size());
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(m.ctx, out, &n);
    return hex(out, n);
}

std::string sha256File(const std::filesystem::path& p) {
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + strerror(errno));
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    thread_local std::vector<unsigned char> buf(1 << 20);
    MdCtx m;
    EVP_DigestInit_ex(m.ctx, EVP_sha256(), nullptr);
    for (;;) {
        ssize_t r = read(fd, buf.data(), buf.size());
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            throw std::runtime_error("cannot read " + p.string() + ": " + strerror(e));
        }
        if (r == 0) break;
        EVP_DigestUpdate(m.ctx, buf.data(), size_t(r));
    }
    close(fd);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(m.ctx, out, &n);
    return hex(out, n);
}

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace e2e
