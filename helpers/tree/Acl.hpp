#pragma once
// POSIX ACLs as the kernel keeps them: the system.posix_acl_access and
// system.posix_acl_default xattrs (version 2, little-endian entries). Encoded
// for the corpus, decoded to a canonical text for the manifest, so that two
// encodings of the same ACL compare equal.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

inline constexpr const char* kAclAccessXattr = "system.posix_acl_access";
inline constexpr const char* kAclDefaultXattr = "system.posix_acl_default";

enum class AclTag : std::uint16_t {
    UserObj = 0x01,
    User = 0x02,
    GroupObj = 0x04,
    Group = 0x08,
    Mask = 0x10,
    Other = 0x20
};

struct AclEntry {
    AclTag tag;
    unsigned perm;         // rwx as 4|2|1
    std::uint32_t id = 0;  // User and Group only
};

// The xattr value the kernel reads (entries sorted the way it requires).
std::string encodeAcl(std::vector<AclEntry> entries);

// getfacl-style short text ("user::rw-,user:1001:r--,group::r--,mask::rw-,other::---"),
// with entries sorted and ids dropped where the kernel ignores them; nullopt when
// the value is not a valid ACL. A minimal access ACL (owner, group, other only)
// says nothing the mode bits do not, so it yields "" like no ACL at all.
std::optional<std::string> canonicalAcl(const std::string& xattr_value, bool is_default);

}  // namespace e2e
