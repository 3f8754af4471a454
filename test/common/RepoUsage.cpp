#include "RepoUsage.hpp"

#include "config/Settings.hpp"  // humanBytes

#include <algorithm>
#include <regex>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

RepoUsage repoUsage(const fs::path& repo, const std::string& pack_objects) {
    RepoUsage u;
    const std::regex pack(pack_objects.empty() ? "$^" : pack_objects);
    for (const auto& e : fs::recursive_directory_iterator(repo)) {
        if (!e.is_regular_file()) continue;
        const std::uint64_t size = e.file_size();
        if (std::regex_search(fs::relative(e.path(), repo).string(), pack))
            u.pack_bytes += size, ++u.packs;
        else
            u.metadata_bytes += size, ++u.metadata_files;
    }
    return u;
}

std::string largestEntries(const fs::path& repo, std::size_t max) {
    if (repo.empty() || !fs::is_directory(repo)) return "the repository's files are not on this machine";
    std::vector<std::pair<std::uint64_t, std::string>> v;
    for (const auto& e : fs::directory_iterator(repo)) {
        std::uint64_t bytes = 0, files = 0;
        if (e.is_directory())
            for (const auto& f : fs::recursive_directory_iterator(e.path()))
                if (f.is_regular_file()) bytes += f.file_size(), ++files;
        if (e.is_regular_file()) bytes = e.file_size(), files = 1;
        const std::string name = e.path().filename().string();
        v.push_back({bytes, name + " " + humanBytes(bytes) + " in " + std::to_string(files) + " file(s)"});
    }
    std::sort(v.rbegin(), v.rend());
    std::string out;
    for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i].second;
    return out;
}

}  // namespace e2e
