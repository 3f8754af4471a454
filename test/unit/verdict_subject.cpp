// Scenarios with a known outcome, run by agreement_test.cpp in a runtime dir
// of its own: each must leave the report status and evidence that its gtest
// outcome means (never run by ctest directly).
#include "ScenarioTest.hpp"

#include <fstream>
#include <stdexcept>

using namespace e2e;

namespace {

class Subject : public ScenarioTest {
protected:
    Subject() : ScenarioTest("backends") {}
    void passingLayer(Verdicts& v) {
        v.layer("ok", [&] {
            std::ofstream(ws().work() / "evidence") << "x";
            return std::string("fine");
        });
    }
};

TEST_F(Subject, Passes) {
    Verdicts v(ws());
    passingLayer(v);
}

TEST_F(Subject, FailsOutsideALayer) {
    Verdicts v(ws());
    passingLayer(v);
    ADD_FAILURE() << "an assertion outside any layer";
}

TEST_F(Subject, Throws) {
    Verdicts v(ws());
    passingLayer(v);
    throw std::runtime_error("an exception that leaves the test body");
}

TEST_F(Subject, LayerFailsButTheTestGoesOn) {
    Verdicts v(ws());
    passingLayer(v);
    v.layer("broken", []() -> std::string { throw VerdictFailure("the restore differs"); });
}

TEST_F(Subject, Skips) {
    Verdicts v(ws());
    passingLayer(v);
    endAs(Status::Skipped, "the tool is not installed");
}

TEST_F(Subject, NotApplicable) {
    endAs(Status::NotApplicable, "the tool has no such backend");
}

TEST_F(Subject, SkipsAfterAFailedLayer) {
    Verdicts v(ws());
    v.layer("broken", []() -> std::string { throw VerdictFailure("the restore differs"); });
    endAs(Status::Skipped, "hiding a failure behind a skip");
}

TEST_F(Subject, FaultCaughtAtItsLayer) {
    ws().report().expectFault("a damaged restore", "compare");
    Verdicts v(ws());
    passingLayer(v);
    v.layer("compare", []() -> std::string { throw VerdictFailure("content differs"); });
}

TEST_F(Subject, FaultCaughtAtAnotherLayer) {
    ws().report().expectFault("a damaged restore", "compare");
    Verdicts v(ws());
    v.layer("restore", []() -> std::string { throw VerdictFailure("the restore failed"); });
}

TEST_F(Subject, FaultNotCaught) {
    ws().report().expectFault("a damaged restore", "compare");
    Verdicts v(ws());
    passingLayer(v);
}

}  // namespace
