#pragma once
// A self-test's fault, armed by its test body before the case runs: the tool runs through a deliberately faulty
// wrapper (FaultyTool.hpp) and the layer named must catch it (the report judges that). A real row leaves it
// unarmed, and then a broken promise fails the row, naming the layer.
#include "FaultyTool.hpp"
#include "ScenarioTest.hpp"
#include "Verdicts.hpp"

#include <string>

namespace e2e {

class SelfTestFault {
public:
    // `script` null: the fault is not the tool's (a server's, say); the tool runs as it is.
    void expect(std::string fault, const char* script, std::string caught_by);
    bool armed() const { return !fault_.empty(); }
    // Records the expectation in the report and has the prelude wrap `tool`; does nothing when unarmed.
    void arm(Workspace& ws, PreludeOptions& po, const std::string& tool);
    // The binary a driver of the case's own should run: the wrapper once written, else `real`.
    fs::path binary(const fs::path& real) const { return wrapper_.empty() ? real : wrapper_; }
    // A real row whose `promise` broke fails here; a self-test's fault is judged by its report.
    void judge(const Verdicts& v, const std::string& promise) const;

private:
    std::string fault_, script_, caught_by_;
    fs::path wrapper_;
};

}  // namespace e2e
