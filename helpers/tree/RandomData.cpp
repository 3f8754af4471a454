#include "tree/RandomData.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <string>

namespace e2e {

void writeRandomFile(const std::filesystem::path& path, std::uint64_t bytes, Rng& rng, RandomFileOptions o) {
    std::ofstream out(path, std::ios::binary | (o.append ? std::ios::app : std::ios::trunc));
    // a multiple of 8 bytes, so Rng::fill draws the same numbers whatever the chunking
    std::string buf(64 << 10, '\0');
    for (std::uint64_t left = bytes; left && out;) {
        const std::size_t k = std::size_t(std::min<std::uint64_t>(left, buf.size()));
        rng.fill(buf.data(), k);
        if (o.half_compressible)
            for (std::size_t i = 0; i < k; i += 8192)
                std::fill(buf.begin() + long(i), buf.begin() + long(std::min(k, i + 4096)), char('a' + char(i % 26)));
        out.write(buf.data(), std::streamsize(k));
        left -= k;
    }
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::size_t flipBytes(const std::filesystem::path& file, std::uint64_t at, std::size_t n) {
    namespace fs = std::filesystem;
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::add);
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes(n, '\0');
    f.seekg(std::streamoff(at));
    f.read(bytes.data(), std::streamsize(n));
    const std::streamsize got = f.gcount();
    for (std::streamsize i = 0; i < got; ++i) bytes[std::size_t(i)] = char(~bytes[std::size_t(i)]);
    f.clear();
    f.seekp(std::streamoff(at));
    f.write(bytes.data(), got);
    if (!f) throw std::runtime_error("could not rewrite " + file.string());
    return std::size_t(got);
}

}  // namespace e2e
