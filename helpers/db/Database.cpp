#include "db/Database.hpp"

#include <cstdio>

namespace e2e {

std::string RowGen::text(std::size_t n) {
    static const char* alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-";
    std::string s(n, ' ');
    for (auto& c : s) c = alpha[rng.below(66)];
    return s;
}

std::string RowGen::bytes(std::size_t n) {
    std::string s(n, '\0');
    rng.fill(s.data(), n);
    return s;
}

std::string RowGen::timestamp() {
    char b[32];
    snprintf(b, sizeof b, "%04d-%02d-%02d %02d:%02d:%02d", int(2020 + rng.below(6)), int(1 + rng.below(12)),
             int(1 + rng.below(28)), int(rng.below(24)), int(rng.below(60)), int(rng.below(60)));
    return b;
}

std::string describeRows(const std::map<std::string, std::uint64_t>& rows) {
    std::string s;
    for (const auto& [t, n] : rows) s += (s.empty() ? "" : ", ") + t + "=" + std::to_string(n);
    return s;
}

}  // namespace e2e
