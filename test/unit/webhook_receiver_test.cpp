// WebhookReceiver (the surface area's monitoring endpoint) against a real client: curl posting form fields as the
// hooks do, and the form decoding on its own.
#include "process/Process.hpp"
#include "services/Service.hpp"
#include "services/WebhookReceiver.hpp"

#include <gtest/gtest.h>

using namespace e2e;

TEST(WebhookReceiver, DecodesFormFields) {
    const auto m = parseFormFields("hook=after&error=&path=%2Ftmp%2Fa+b&x%3Dy=1%262&bare");
    EXPECT_EQ(m.at("hook"), "after");
    EXPECT_EQ(m.at("error"), "");
    EXPECT_EQ(m.at("path"), "/tmp/a b");
    EXPECT_EQ(m.at("x=y"), "1&2");
    EXPECT_EQ(m.at("bare"), "");
    EXPECT_EQ(m.size(), 5u);
}

TEST(WebhookReceiver, RecordsEachCallInOrder) {
    WebhookReceiver r;
    for (const char* hook : {"before", "after"}) {
        Command c;
        c.argv = {"curl",
                  "-fsS",
                  "-m",
                  "10",
                  "--noproxy",
                  "*",
                  "-o",
                  "/dev/null",
                  "--data-urlencode",
                  std::string("hook=") + hook,
                  "--data-urlencode",
                  "error=it's a \"quoted\" & odd\nline",
                  r.url(hook)};
        c.timeout = std::chrono::seconds(20);
        const Result res = run(c);
        ASSERT_TRUE(res.ok()) << res.describe() << " " << res.err;
    }
    const auto calls = r.calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].method, "POST");
    EXPECT_EQ(calls[0].path, "/before");
    EXPECT_EQ(calls[1].path, "/after");
    EXPECT_EQ(calls[1].fields.at("hook"), "after");
    EXPECT_EQ(calls[1].fields.at("error"), "it's a \"quoted\" & odd\nline");
}

TEST(WebhookReceiver, StopsWhenDestroyed) {
    int port = 0;
    {
        WebhookReceiver r;
        port = r.port();
        EXPECT_EQ(httpStatus("GET", r.url("ping")), 200);
    }
    EXPECT_EQ(httpStatus("GET", "http://127.0.0.1:" + std::to_string(port) + "/ping"), 0);  // nothing listens
}
