#include "vm/GuestAgent.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace e2e {

namespace {

using Clock = std::chrono::steady_clock;

class Connection {
public:
    Connection(const fs::path& socket, Clock::time_point deadline) : deadline_(deadline), where_(socket.string()) {
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (where_.size() >= sizeof a.sun_path)
            throw GuestAgentError("guest agent socket path too long (" + std::to_string(where_.size()) +
                                  " bytes): " + where_);
        std::memcpy(a.sun_path, where_.c_str(), where_.size() + 1);
        fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw GuestAgentError(std::string("socket(): ") + strerror(errno));
        if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            int e = errno;
            close(fd_);
            throw GuestAgentError("cannot connect to the guest agent socket " + where_ + ": " + strerror(e) +
                                  " (is the VM running?)");
        }
    }
    ~Connection() { close(fd_); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    void send(const std::string& data) {
        std::size_t off = 0;
        while (off < data.size()) {
            wait(POLLOUT, "sending to");
            ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
            if (n < 0 && errno != EINTR && errno != EAGAIN)
                throw GuestAgentError("sending to the guest agent failed: " + std::string(strerror(errno)));
            if (n > 0) off += std::size_t(n);
        }
    }
    // Drop everything up to and including the next 0xFF (guest-sync-delimited's marker).
    void skipPastDelimiter() {
        while (true) {
            auto p = buf_.find('\xff');
            if (p != std::string::npos) {
                buf_.erase(0, p + 1);
                return;
            }
            buf_.clear();
            fill("waiting for the sync marker from");
        }
    }
    std::string line() {
        while (true) {
            auto p = buf_.find('\n');
            if (p != std::string::npos) {
                std::string l = buf_.substr(0, p);
                buf_.erase(0, p + 1);
                return l;
            }
            fill("waiting for a reply from");
        }
    }

private:
    void wait(short events, const char* doing) {
        while (true) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
            if (left <= 0)
                throw GuestAgentError(
                    std::string("timed out ") + doing + " the guest agent at " + where_ +
                    " (is qemu-guest-agent running in the guest, with the virtio-serial port org.qemu.guest_agent.0?)");
            pollfd p{fd_, events, 0};
            int r = poll(&p, 1, int(std::min<long long>(left, 1000)));
            if (r < 0 && errno != EINTR) throw GuestAgentError(std::string("poll(): ") + strerror(errno));
            if (r > 0) return;
        }
    }
    void fill(const char* doing) {
        wait(POLLIN, doing);
        char b[4096];
        ssize_t n = recv(fd_, b, sizeof b, 0);
        if (n == 0)
            throw GuestAgentError("the guest agent socket " + where_ + " closed the connection (the VM went away?)");
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            throw GuestAgentError("reading from the guest agent failed: " + std::string(strerror(errno)));
        if (n > 0) buf_.append(b, std::size_t(n));
    }
    int fd_ = -1;
    Clock::time_point deadline_;
    std::string where_, buf_;
};

}  // namespace

GuestAgent::GuestAgent(fs::path socket, std::chrono::milliseconds timeout)
    : socket_(std::move(socket)), timeout_(timeout) {}

nlohmann::json GuestAgent::execute(const std::string& command, const nlohmann::json& arguments) const {
    Connection c(socket_, Clock::now() + timeout_);
    // resync: 0xFF resets the agent's parser; the reply to our id follows its own 0xFF
    static thread_local std::mt19937 rng{std::random_device{}()};
    const long id = long(rng() % 2000000000u) + 1;
    c.send(std::string("\xff") +
           nlohmann::json{{"execute", "guest-sync-delimited"}, {"arguments", {{"id", id}}}}.dump() + "\n");
    for (bool synced = false; !synced;) {
        c.skipPastDelimiter();
        auto j = nlohmann::json::parse(c.line(), nullptr, false);
        synced = j.is_object() && j.contains("return") && j["return"] == id;
    }
    nlohmann::json req{{"execute", command}};
    if (!arguments.is_null()) req["arguments"] = arguments;
    c.send(req.dump() + "\n");
    while (true) {
        std::string l = c.line();
        auto j = nlohmann::json::parse(l, nullptr, false);
        if (!j.is_object()) continue;  // stray bytes between replies
        if (j.contains("error")) {
            const auto& e = j["error"];
            throw GuestAgentError("guest agent: " + command + " failed: " + e.value("class", std::string("error")) +
                                  ": " + e.value("desc", std::string(l)));
        }
        if (j.contains("return")) return j["return"];
    }
}

int GuestAgent::freeze() const {
    auto r = execute("guest-fsfreeze-freeze");
    return r.is_number_integer() ? r.get<int>() : -1;
}

int GuestAgent::thaw() const {
    auto r = execute("guest-fsfreeze-thaw");
    return r.is_number_integer() ? r.get<int>() : -1;
}

std::string GuestAgent::freezeStatus() const {
    auto r = execute("guest-fsfreeze-status");
    return r.is_string() ? r.get<std::string>() : r.dump();
}

}  // namespace e2e
