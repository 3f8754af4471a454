#include "tree/Acl.hpp"

#include <algorithm>
#include <tuple>

namespace e2e {

namespace {

constexpr std::uint32_t kAclVersion = 2;
constexpr std::uint32_t kUndefinedId = 0xffffffffu;

void putLe(std::string& s, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s += char((v >> (8 * i)) & 0xff);
}

std::uint32_t getLe(const std::string& s, std::size_t at, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | std::uint8_t(s[at + std::size_t(i)]);
    return v;
}

bool hasId(AclTag t) {
    return t == AclTag::User || t == AclTag::Group;
}

void sortEntries(std::vector<AclEntry>& e) {
    std::sort(e.begin(), e.end(), [](const AclEntry& a, const AclEntry& b) {
        return std::make_tuple(std::uint16_t(a.tag), a.id) < std::make_tuple(std::uint16_t(b.tag), b.id);
    });
}

std::string perms(unsigned p) {
    return std::string(p & 4 ? "r" : "-") + (p & 2 ? "w" : "-") + (p & 1 ? "x" : "-");
}

}  // namespace

std::string encodeAcl(std::vector<AclEntry> entries) {
    for (auto& e : entries)
        if (!hasId(e.tag)) e.id = 0;
    sortEntries(entries);
    std::string s;
    putLe(s, kAclVersion, 4);
    for (const auto& e : entries) {
        putLe(s, std::uint16_t(e.tag), 2);
        putLe(s, e.perm & 7, 2);
        putLe(s, hasId(e.tag) ? e.id : kUndefinedId, 4);
    }
    return s;
}

std::optional<std::string> canonicalAcl(const std::string& v, bool is_default) {
    if (v.size() < 4 || (v.size() - 4) % 8 != 0 || getLe(v, 0, 4) != kAclVersion) return std::nullopt;
    std::vector<AclEntry> e;
    bool extended = false;
    for (std::size_t at = 4; at < v.size(); at += 8) {
        std::uint32_t tag = getLe(v, at, 2);
        if (tag != 0x01 && tag != 0x02 && tag != 0x04 && tag != 0x08 && tag != 0x10 && tag != 0x20) return std::nullopt;
        AclEntry x{AclTag(tag), getLe(v, at + 2, 2) & 7, 0};
        if (hasId(x.tag)) x.id = getLe(v, at + 4, 4);
        extended |= hasId(x.tag) || x.tag == AclTag::Mask;
        e.push_back(x);
    }
    if (!is_default && !extended) return std::string();
    sortEntries(e);
    std::string s;
    for (const auto& x : e) {
        std::string tag = x.tag == AclTag::UserObj || x.tag == AclTag::User     ? "user"
                          : x.tag == AclTag::GroupObj || x.tag == AclTag::Group ? "group"
                          : x.tag == AclTag::Mask                               ? "mask"
                                                                                : "other";
        s += (s.empty() ? "" : ",") + tag + ":" + (hasId(x.tag) ? std::to_string(x.id) : "") + ":" + perms(x.perm);
    }
    return s;
}

}  // namespace e2e
