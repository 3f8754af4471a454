#include "config/Backends.hpp"

#include <stdexcept>

namespace e2e {

const std::vector<BackendInfo>& backendRegistry() {
#define E2E_BACKEND_INFO(kind, Prefix, remote, unencrypted, restartable, what) \
    BackendInfo{#kind, #Prefix, remote, unencrypted, restartable, what},
    static const std::vector<BackendInfo> r{E2E_BACKENDS(E2E_BACKEND_INFO)};
#undef E2E_BACKEND_INFO
    return r;
}

std::vector<std::string> backendKinds() {
    std::vector<std::string> k;
    for (const auto& b : backendRegistry()) k.push_back(b.kind);
    return k;
}

std::string backendKindList() {
    std::string s;
    for (const auto& b : backendRegistry()) s += (s.empty() ? "" : ", ") + b.kind;
    return s;
}

const BackendInfo& backendInfo(const std::string& kind) {
    for (const auto& b : backendRegistry())
        if (b.kind == kind) return b;
    throw std::invalid_argument("unknown backend '" + kind + "' (known: " + backendKindList() + ")");
}

}  // namespace e2e
