#include "SelfTestFault.hpp"

#include <gtest/gtest.h>

namespace e2e {

void SelfTestFault::expect(std::string fault, const char* script, std::string caught_by) {
    fault_ = std::move(fault);
    script_ = script ? script : "";
    caught_by_ = std::move(caught_by);
}

void SelfTestFault::arm(Workspace& ws, PreludeOptions& po, const std::string& tool) {
    if (!armed()) return;
    ws.report().expectFault(tool + " " + fault_, caught_by_);
    if (script_.empty()) return;
    po.wrap = [this, &ws, tool](const fs::path& real) {
        return wrapper_ = writeFaultyWrapper(ws.work(), tool, real, fault_, script_);
    };
}

void SelfTestFault::judge(const Verdicts& v, const std::string& promise) const {
    if (!v.ok() && !armed())
        ADD_FAILURE() << "the " << promise << " promise failed at layer '" << v.failedLayer() << "'";
}

}  // namespace e2e
