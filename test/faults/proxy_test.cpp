// The fault proxy itself, against a real server (rest-server) and real curl:
// bytes pass, the link goes down and comes back, limit_data cuts a transfer,
// reset clears every toxic. A network case is only as good as these.
#include "janitor/Janitor.hpp"
#include "services/Servers.hpp"
#include "services/Toxiproxy.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

using namespace e2e;

namespace {

// GET through the proxy: the HTTP status (0: no answer) and how many body bytes arrived
std::pair<int, std::size_t> get(int port, const std::string& path) {
    Command c;
    c.argv = {"curl",
              "-s",
              "--max-time",
              "10",
              "--noproxy",
              "*",
              "-w",
              "\n%{http_code}",
              "http://127.0.0.1:" + std::to_string(port) + path};
    c.timeout = std::chrono::seconds(15);
    const Result r = run(c);
    const auto nl = r.out.rfind('\n');
    if (nl == std::string::npos) return {0, 0};
    int code = 0;
    try {
        code = std::stoi(r.out.substr(nl + 1));
    } catch (...) {}
    return {code, nl};
}

}  // namespace

TEST(FaultProxy, PassesBreaksCutsAndClears) {
    ScopedDir dir(Janitor::instance().scratchDir(), "fault-proxy");
    RestServer rest(dir.path() / "rest", dir.path() / "logs");
    rest.start();
    // a file of 1 MiB in the server's data dir to fetch through the link
    fs::create_directories(rest.dataDir() / "repo" / "data");
    std::ofstream(rest.dataDir() / "repo" / "config") << std::string(1 << 20, 'x');
    Toxiproxy proxy(dir.path() / "toxiproxy", dir.path() / "logs", 42);
    proxy.start();
    const int port = proxy.addProxy("link", rest.port());
    ASSERT_NE(port, rest.port());

    auto [ok_code, ok_bytes] = get(port, "/repo/config");
    EXPECT_EQ(ok_code, 200) << "a healthy link passes the request";
    EXPECT_EQ(ok_bytes, 1u << 20);

    proxy.setEnabled("link", false);
    EXPECT_EQ(get(port, "/repo/config").first, 0) << "a link that is down answers nothing";
    proxy.setEnabled("link", true);
    EXPECT_EQ(get(port, "/repo/config").first, 200) << "the link is back";

    proxy.addToxic("link", "cut", "limit_data", "downstream", {{"bytes", 64 << 10}});
    auto [cut_code, cut_bytes] = get(port, "/repo/config");
    EXPECT_LT(cut_bytes, 1u << 20) << "limit_data lets through at most its bytes (HTTP " << cut_code << ")";

    proxy.reset();
    EXPECT_EQ(get(port, "/repo/config"), std::make_pair(200, std::size_t(1) << 20)) << "reset clears every toxic";
    EXPECT_EQ(proxy.proxy("link").value("toxics", nlohmann::json::array()).size(), 0u);
}

TEST(FaultProxy, AMissingServerBinaryIsAClearError) {
    ScopedDir dir(Janitor::instance().scratchDir(), "fault-proxy-missing");
    // the fixture looks on PATH: with a PATH that has none, it says what to run
    const std::string saved = getenv("PATH") ? getenv("PATH") : "";
    setenv("PATH", dir.path().c_str(), 1);
    std::string what;
    try {
        Toxiproxy p(dir.path() / "t", dir.path() / "logs", 1);
    } catch (const ServiceError& e) {
        what = e.what();
    }
    setenv("PATH", saved.c_str(), 1);
    EXPECT_NE(what.find("scripts/bootstrap"), std::string::npos) << what;
}
