#pragma once
// The surface area's fixture: one tool (the test's parameter) on local, and a self-test's fault armed before the tool
// is prepared (the faulty wrapper in the tool's place).
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "ToolRows.hpp"

#include <algorithm>
#include <string>
#include <vector>

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

    // The snapshots the tool lists, their ids sorted.
    std::vector<std::string> snapshotIds() {
        std::vector<std::string> v;
        for (const auto& s : t_.tool->snapshots()) v.push_back(s.id);
        std::sort(v.begin(), v.end());
        return v;
    }

    // A listed snapshot that is none of `before` ("" = none).
    std::string newSnapshot(const std::vector<std::string>& before) {
        for (const auto& id : snapshotIds())
            if (std::none_of(before.begin(), before.end(), [&](const std::string& b) { return sameSnapshotId(b, id); }))
                return id;
        return "";
    }
};

}  // namespace e2e
