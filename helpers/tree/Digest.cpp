#include "tree/Digest.hpp"
#include "tree/TreeAt.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <openssl/evp.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>
#include <xxhash.h>

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

std::string toString(DigestAlgorithm a) {
    return a == DigestAlgorithm::Sha256 ? "SHA-256" : "XXH3-128";
}

namespace {

// Feeds the file to `update`: mapped when large (no copy out of the page
// cache), else in 1 MiB reads. Throws with the path on error.
template <class Update>
void readFile(const std::filesystem::path& p, Update update) {
    int fd = openLong(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);  // a tree may be deeper than PATH_MAX
    if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= (1 << 20)) {
        size_t len = size_t(st.st_size);
        void* m = mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            madvise(m, len, MADV_SEQUENTIAL);
            const auto* d = static_cast<const unsigned char*>(m);
            for (size_t off = 0; off < len; off += (8u << 20)) update(d + off, std::min<size_t>(8u << 20, len - off));
            munmap(m, len);
            close(fd);
            return;
        }
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    thread_local std::vector<unsigned char> buf(1 << 20);
    for (;;) {
        ssize_t r = read(fd, buf.data(), buf.size());
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            throw std::runtime_error("cannot read " + p.string() + ": " + strerror(e));
        }
        if (r == 0) break;
        update(buf.data(), size_t(r));
    }
    close(fd);
}

}  // namespace

std::string sha256File(const std::filesystem::path& p) {
    MdCtx m;
    EVP_DigestInit_ex(m.ctx, EVP_sha256(), nullptr);
    readFile(p, [&](const unsigned char* d, size_t n) { EVP_DigestUpdate(m.ctx, d, n); });
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(m.ctx, out, &n);
    return hex(out, n);
}

std::string digestFile(const std::filesystem::path& p, DigestAlgorithm a) {
    if (a == DigestAlgorithm::Sha256) return sha256File(p);
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> st(XXH3_createState(), XXH3_freeState);
    XXH3_128bits_reset(st.get());
    readFile(p, [&](const unsigned char* d, size_t n) { XXH3_128bits_update(st.get(), d, n); });
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st.get()));
    return hex(c.digest, sizeof c.digest);
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
