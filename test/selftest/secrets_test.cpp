// The run keeps no secret it handed out: at every test's end the base fixture searches the test's logs and kept
// configs for each secret the test generated (Workspace::secretsLeft), and a find is a FAIL at layer "secrets".
// Self-test: a command whose output holds a secret it was not told to mask (a driver that forgot one), caught by
// "secrets"; the same command told to mask it leaves nothing to find.
#include "ScenarioTest.hpp"
#include "process/Process.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

class Secrets : public ScenarioTest {
protected:
    Secrets() : ScenarioTest("selftest") {}
};

TEST_F(Secrets, UnmaskedOutputIsFound) {
    ws().report().expectFault("a command whose output holds a secret it was not told to mask", "secrets");
    const std::string pass = ws().secret("repo");
    Command masked{.argv = {"printenv", "E2E_SELFTEST_PASS"}};
    masked.env = {{"E2E_SELFTEST_PASS", pass}};
    masked.log_dir = ws().logs();
    masked.log_name = "masked";
    masked.secrets = {pass};
    ASSERT_TRUE(run(masked).ok());
    ASSERT_EQ(ws().secretsLeft(), "") << "a masked command's output still holds its secret";
    Command unmasked = masked;
    unmasked.log_name = "unmasked";
    unmasked.secrets.clear();
    ASSERT_TRUE(run(unmasked).ok());
}

}  // namespace
