#include "text/Text.hpp"

#include <regex>

#include <cstdio>

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
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
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
        if (n) out.append(raw, i, n), i += n;
        else out += replacement, ++i;
    }
    return out;
}

std::string utf8Safe(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        std::size_t n = utf8SequenceAt(raw, i);
        if (n) out.append(raw, i, n), i += n;
        else out += hexByte(static_cast<unsigned char>(raw[i++]));
    }
    return out;
}

std::string printable(const std::string& raw) {
    std::string out;
    for (std::size_t i = 0; i < raw.size();) {
        const auto c = static_cast<unsigned char>(raw[i]);
        std::size_t n = utf8SequenceAt(raw, i);
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c == 0x7f || n == 0) out += hexByte(c);
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
        if (ch == '"' || ch == '\\') q += std::string("\\") + ch;
        else if (ch == '\n') q += "\\n";
        else if (ch == '\t') q += "\\t";
        else if (c < 0x20 || c == 0x7f) {
            char u[8];
            snprintf(u, sizeof u, "\\u%04x", c);
            q += u;
        } else q += ch;
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

}  // namespace e2e
