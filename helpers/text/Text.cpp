#include "text/Text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>

namespace e2e {

namespace {

std::string hexByte(unsigned char c) {
    char b[8];
    snprintf(b, sizeof b, "\\x%02x", c);
    return b;
}

}  // namespace

std::size_t utf8SequenceAt(const std::string& raw, std::size_t i) {
    const auto at = [&](std::size_t k) { return static_cast<unsigned char>(raw[i + k]); };
    const unsigned char c = at(0);
    if (c < 0x80) return 1;
    // RFC 3629: no overlong forms (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing past U+10FFFF
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    if (len == 0 || i + len > raw.size()) return 0;
    if (at(1) < lo || at(1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if ((at(k) >> 6) != 2) return 0;
    return len;
}

std::string lossyUtf8(const std::string& raw, const std::string& replacement) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        std::size_t n = utf8SequenceAt(raw, i);
        if (n)
            out.append(raw, i, n), i += n;
        else
            out += replacement, ++i;
    }
    return out;
}

std::string utf8Safe(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        std::size_t n = utf8SequenceAt(raw, i);
        if (n)
            out.append(raw, i, n), i += n;
        else
            out += hexByte(static_cast<unsigned char>(raw[i++]));
    }
    return out;
}

std::string printable(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        const auto c = static_cast<unsigned char>(raw[i]);
        std::size_t n = utf8SequenceAt(raw, i);
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\\')
            out += "\\\\";
        else if (c < 0x20 || c == 0x7f || n == 0)
            out += hexByte(c);
        else {
            out.append(raw, i, n);
            i += n;
            continue;
        }
        ++i;
    }
    return out;
}

std::string doubleQuoted(const std::string& s) {
    std::string q = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\')
            q += std::string("\\") + ch;
        else if (ch == '\n')
            q += "\\n";
        else if (ch == '\t')
            q += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char u[8];
            snprintf(u, sizeof u, "\\u%04x", c);
            q += u;
        } else
            q += ch;
    }
    return q + "\"";
}

std::string matchingLine(const std::string& text, const std::string& pattern) {
    const std::regex re(pattern, std::regex::ECMAScript | std::regex::icase);
    std::size_t from = 0;
    while (from <= text.size()) {
        std::size_t nl = text.find('\n', from);
        const std::string line = text.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
        if (std::regex_search(line, re)) return line.substr(0, 300);
        if (nl == std::string::npos) break;
        from = nl + 1;
    }
    return {};
}

std::uint64_t parseSize(const std::string& s) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
        v = std::stoull(s, &used);
    } catch (...) {
        throw std::invalid_argument("not a size: '" + s + "'");
    }
    if (s[0] == '-') throw std::invalid_argument("not a size: '" + s + "'");
    std::string unit = s.substr(used);
    unit.erase(std::remove_if(unit.begin(), unit.end(), ::isspace), unit.end());
    static const std::map<std::string, std::uint64_t> units{{"", 1},           {"B", 1},
                                                            {"K", 1ull << 10}, {"KiB", 1ull << 10},
                                                            {"M", 1ull << 20}, {"MiB", 1ull << 20},
                                                            {"G", 1ull << 30}, {"GiB", 1ull << 30},
                                                            {"T", 1ull << 40}, {"TiB", 1ull << 40}};
    auto it = units.find(unit);
    if (it == units.end()) throw std::invalid_argument("unknown size unit '" + unit + "' in '" + s + "'");
    return v * it->second;
}

std::string humanBytes(std::uint64_t n) {
    const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = double(n);
    int i = 0;
    while (d >= 1024 && i < 4) {
        d /= 1024;
        ++i;
    }
    std::ostringstream s;
    s.precision(i ? 1 : 0);
    s << std::fixed << d << " " << u[i];
    return s.str();
}

}  // namespace e2e
