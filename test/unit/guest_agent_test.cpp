// The guest-agent client's protocol handling, against a scripted peer on a
// unix socket (the real agent runs in the VM-image online scenario): resync
// past stale bytes, the agent's errors passed on, deadlines that name the
// likely cause.
#include "vm/GuestAgent.hpp"

#include "Workspace.hpp"

#include <cstdio>
#include <functional>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

// Accepts one client and answers each request line through `reply`.
class ScriptedPeer {
public:
    ScriptedPeer(const fs::path& path, std::function<std::string(const std::string&)> reply) : path_(path) {
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
        if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 1) != 0)
            throw std::runtime_error("cannot listen on " + path.string());
        thread_ = std::thread([this, reply] {
            int c = accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            std::string buf;
            char b[512];
            ssize_t n;
            while ((n = recv(c, b, sizeof b, 0)) > 0) {
                buf.append(b, std::size_t(n));
                for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
                    std::string line = buf.substr(0, nl);
                    buf.erase(0, nl + 1);
                    if (!line.empty() && line[0] == '\xff') line.erase(0, 1);
                    std::string out = reply(line);
                    if (!out.empty()) send(c, out.data(), out.size(), MSG_NOSIGNAL);
                }
            }
            close(c);
        });
    }
    ~ScriptedPeer() {
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        thread_.join();
    }

private:
    fs::path path_;
    int fd_ = -1;
    std::thread thread_;
};

// The sync reply for a guest-sync-delimited request, after some stale bytes.
std::string syncReply(const std::string& request) {
    auto j = nlohmann::json::parse(request);
    return "{\"return\": 7}\n\xff{\"return\": " + std::to_string(j["arguments"]["id"].get<long>()) + "}\n";
}

TEST(GuestAgent, ResyncsPastStaleRepliesThenReturnsTheAnswer) {
    ScopedDir dir(Janitor::instance().scratchDir(), "qga-ok");
    ScriptedPeer peer(dir.path() / "qga.sock", [](const std::string& req) -> std::string {
        if (req.find("guest-sync-delimited") != std::string::npos) return syncReply(req);
        if (req.find("guest-fsfreeze-freeze") != std::string::npos) return "{\"return\": 2}\n";
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"unexpected\"}}\n";
    });
    EXPECT_EQ(GuestAgent(dir.path() / "qga.sock", 5s).freeze(), 2);
}

TEST(GuestAgent, PassesOnTheAgentsError) {
    ScopedDir dir(Janitor::instance().scratchDir(), "qga-error");
    ScriptedPeer peer(dir.path() / "qga.sock", [](const std::string& req) -> std::string {
        if (req.find("guest-sync-delimited") != std::string::npos) return syncReply(req);
        return "{\"error\": {\"class\": \"GenericError\", \"desc\": \"The command guest-fsfreeze-freeze has been "
               "disabled\"}}\n";
    });
    try {
        GuestAgent(dir.path() / "qga.sock", 5s).freeze();
        FAIL() << "an error reply was taken for success";
    } catch (const GuestAgentError& e) {
        EXPECT_NE(
            std::string(e.what()).find(
                "guest-fsfreeze-freeze failed: GenericError: The command guest-fsfreeze-freeze has been disabled"),
            std::string::npos)
            << e.what();
    }
}

TEST(GuestAgent, SilentAgentTimesOutAndSaysWhatToCheck) {
    ScopedDir dir(Janitor::instance().scratchDir(), "qga-silent");
    ScriptedPeer peer(dir.path() / "qga.sock", [](const std::string&) { return std::string(); });
    auto t0 = std::chrono::steady_clock::now();
    try {
        GuestAgent(dir.path() / "qga.sock", 1s).ping();
        FAIL() << "a silent agent answered";
    } catch (const GuestAgentError& e) {
        EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
        EXPECT_NE(std::string(e.what()).find("is qemu-guest-agent running in the guest"), std::string::npos)
            << e.what();
    }
}

TEST(GuestAgent, NoSocketSaysTheVmIsNotThere) {
    ScopedDir dir(Janitor::instance().scratchDir(), "qga-none");
    try {
        GuestAgent(dir.path() / "qga.sock", 1s).ping();
        FAIL() << "connected to nothing";
    } catch (const GuestAgentError& e) {
        EXPECT_NE(std::string(e.what()).find("is the VM running?"), std::string::npos) << e.what();
    }
}

}  // namespace
