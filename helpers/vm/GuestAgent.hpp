#pragma once
// A client of the QEMU guest agent (qemu-ga) on the host side of its
// virtio-serial socket: JSON commands, one connection per command, resynced
// with guest-sync-delimited first (a previous client may have left half a
// reply behind). The VM-image hooks freeze and thaw the guest's filesystems
// through it; every call has a deadline.
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace e2e {

namespace fs = std::filesystem;

class GuestAgentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class GuestAgent {
public:
    explicit GuestAgent(fs::path socket, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Runs `command` (e.g. "guest-fsfreeze-freeze") and returns its "return"
    // value; throws GuestAgentError with the agent's error or what timed out.
    nlohmann::json execute(const std::string& command, const nlohmann::json& arguments = nullptr) const;

    void ping() const { execute("guest-ping"); }
    int freeze() const;                // filesystems frozen (guest-fsfreeze-freeze)
    int thaw() const;                  // filesystems thawed
    std::string freezeStatus() const;  // "frozen" | "thawed"
    const fs::path& socket() const { return socket_; }

private:
    fs::path socket_;
    std::chrono::milliseconds timeout_;
};

}  // namespace e2e
