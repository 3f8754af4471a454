#include "FaultyTool.hpp"

#include "process/Process.hpp"

#include <fstream>

namespace e2e {

std::filesystem::path writeFaultyWrapper(const std::filesystem::path& dir, const std::string& tool, const std::filesystem::path& real,
                                         const std::string& fault, const std::string& script) {
    const std::filesystem::path wrapper = dir / (tool + "-" + fault);
    std::ofstream(wrapper) << "#!/bin/bash\n# backup-e2e self-test: a deliberately faulty " << tool << " (" << fault << ")\nreal=" << shellQuote(real.string())
                           << "\n" << script;
    std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all | std::filesystem::perms::group_read | std::filesystem::perms::group_exec);
    return wrapper;
}

}  // namespace e2e
