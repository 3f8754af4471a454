#pragma once
// The surface area's fixture: one tool (the test's parameter) on local, and a self-test's fault armed before the tool
// is prepared (the faulty wrapper in the tool's place).
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "ToolRows.hpp"

namespace e2e {

class SurfaceTest : public ScenarioTestP<std::string> {
protected:
    SurfaceTest() : ScenarioTestP("surface") {}

    ToolOnBackend t_;
    SelfTestFault fault_;

    // The tool prepared; false: the row has ended (SKIPPED or NOT-APPLICABLE, with its reason).
    bool ready() {
        PreludeOptions po;
        fault_.arm(ws(), po, GetParam());
        return prepare(t_, GetParam(), po);
    }
};

}  // namespace e2e
