#include "TreeMutator.hpp"

#include "tree/RandomData.hpp"
#include "text/Text.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace e2e {

namespace {

std::vector<fs::path> listSorted(const fs::path& root, fs::file_type want) {
    std::vector<fs::path> out;
    if (!fs::exists(root)) return out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it)
        if (it->symlink_status().type() == want) out.push_back(fs::relative(it->path(), root));
    std::sort(out.begin(), out.end());
    return out;
}

std::string joinNames(const std::vector<std::string>& v, std::size_t max = 4) {
    std::string s;
    for (std::size_t i = 0; i < v.size() && i < max; ++i) s += (i ? ", " : "") + v[i];
    if (v.size() > max) s += ", ... (" + std::to_string(v.size()) + ")";
    return s;
}

}  // namespace

TreeMutator::TreeMutator(fs::path root, std::uint64_t seed) : root_(std::move(root)), rng_(seed) {
    fs::create_directories(root_);
}

std::vector<fs::path> TreeMutator::files() const {
    auto v = listSorted(root_, fs::file_type::regular);
    v.erase(std::remove_if(v.begin(), v.end(),
                           [&](const fs::path& p) { return std::find(kept_.begin(), kept_.end(), p) != kept_.end(); }),
            v.end());
    return v;
}

void TreeMutator::keep(const fs::path& relative) {
    if (!fs::exists(root_ / relative)) writeRandom(root_ / relative, 4096);
    kept_.push_back(relative);
}
std::vector<fs::path> TreeMutator::dirs() const {
    return listSorted(root_, fs::file_type::directory);
}
std::vector<fs::path> TreeMutator::symlinks() const {
    return listSorted(root_, fs::file_type::symlink);
}

fs::path TreeMutator::pick(const std::vector<fs::path>& v) {
    return v[std::size_t(rng_.below(v.size()))];
}

std::string TreeMutator::newName(const std::string& stem) {
    return stem + "-" + std::to_string(++serial_) + "-" + std::to_string(rng_.below(1000000));
}

void TreeMutator::writeRandom(const fs::path& p, std::uint64_t bytes, bool append) {
    writeRandomFile(p, bytes, rng_, RandomFileOptions{append, true});
}

std::string TreeMutator::writeFiles(int count, std::uint64_t max_bytes, int max_depth) {
    auto ds = dirs();
    fs::path dir;
    // a new subdirectory a third of the time (or when there is none), else an existing one not too deep
    std::vector<fs::path> shallow;
    for (const auto& d : ds)
        if (std::distance(d.begin(), d.end()) < max_depth) shallow.push_back(d);
    if (shallow.empty() || rng_.below(3) == 0)
        dir = (shallow.empty() || rng_.below(2) ? fs::path() : pick(shallow)) / newName("dir");
    else
        dir = pick(shallow);
    fs::create_directories(root_ / dir);
    std::uint64_t total = 0;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t n = rng_.below(max_bytes + 1);
        writeRandom(root_ / dir / newName("file"), n);
        total += n;
    }
    return "wrote " + std::to_string(count) + " file(s), " + humanBytes(total) + ", into " +
           (dir.empty() ? "." : dir.string());
}

std::string TreeMutator::deleteSubdir() {
    auto ds = dirs();
    if (ds.empty()) return "no-op: no subdirectory";
    const fs::path d = pick(ds);
    const auto n = fs::remove_all(root_ / d);
    return "deleted " + d.string() + " (" + std::to_string(n) + " entries)";
}

std::string TreeMutator::deletePercent(int percent) {
    auto fs_ = files();
    std::size_t n = fs_.size() * std::size_t(percent) / 100;
    if (!n) return "no-op: " + std::to_string(percent) + "% of " + std::to_string(fs_.size()) + " files is none";
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t k = std::size_t(rng_.below(fs_.size()));
        fs::remove(root_ / fs_[k]);
        fs_.erase(fs_.begin() + long(k));
    }
    return "deleted " + std::to_string(n) + " file(s) (" + std::to_string(percent) + "%)";
}

std::string TreeMutator::changePicked(int count, const std::string& verb,
                                      const std::function<std::string(const fs::path&)>& change) {
    const auto fs_ = files();
    if (fs_.empty()) return "no-op: no file";
    std::vector<std::string> did;
    for (int i = 0; i < count; ++i)
        if (std::string d = change(pick(fs_)); !d.empty()) did.push_back(d);
    return did.empty() ? "no-op: only empty files" : verb + " " + joinNames(did);
}

std::string TreeMutator::modifyInPlace(int count) {
    return changePicked(count, "modified in place", [&](const fs::path& f) {
        const auto size = fs::file_size(root_ / f);
        if (!size) return std::string();
        const std::uint64_t at = rng_.below(size), len = std::min<std::uint64_t>(size - at, 1 + rng_.below(16 << 10));
        std::fstream io(root_ / f, std::ios::binary | std::ios::in | std::ios::out);
        std::string buf(std::size_t(len), '\0');
        rng_.fill(buf.data(), buf.size());
        io.seekp(std::streamoff(at));
        io.write(buf.data(), std::streamsize(buf.size()));
        return f.string() + "@" + std::to_string(at) + "+" + std::to_string(len);
    });
}

std::string TreeMutator::append(int count) {
    return changePicked(count, "appended to", [&](const fs::path& f) {
        const std::uint64_t n = 1 + rng_.below(32 << 10);
        writeRandom(root_ / f, n, true);
        return f.string() + "+" + std::to_string(n);
    });
}

std::string TreeMutator::truncate(int count) {
    return changePicked(count, "truncated", [&](const fs::path& f) {
        const auto size = fs::file_size(root_ / f);
        const std::uint64_t to = size ? rng_.below(size) : 0;
        fs::resize_file(root_ / f, to);
        return f.string() + "->" + std::to_string(to);
    });
}

std::string TreeMutator::rename(int count) {
    std::vector<std::string> did;
    for (int i = 0; i < count; ++i) {
        auto fs_ = files();
        auto ds = dirs();
        const bool dir = !ds.empty() && (fs_.empty() || rng_.below(4) == 0);
        if (!dir && fs_.empty()) break;
        const fs::path from = dir ? pick(ds) : pick(fs_);
        // to a sibling name, or (files) into another directory that is not below itself
        fs::path to = from.parent_path() / newName(dir ? "renamed-dir" : "renamed");
        if (!dir && !ds.empty() && rng_.below(2)) to = pick(ds) / newName("moved");
        fs::rename(root_ / from, root_ / to);
        did.push_back(from.string() + " -> " + to.string());
    }
    return did.empty() ? "no-op: nothing to rename" : "renamed " + joinNames(did);
}

std::string TreeMutator::changeModes(int count) {
    static const fs::perms modes[] = {fs::perms(0600), fs::perms(0640), fs::perms(0644), fs::perms(0700),
                                      fs::perms(0755), fs::perms(0444), fs::perms(0750)};
    return changePicked(count, "chmod", [&](const fs::path& f) {
        const fs::perms m = modes[rng_.below(sizeof modes / sizeof *modes)];
        fs::permissions(root_ / f, m);
        std::ostringstream o;
        o << f.string() << "=" << std::oct << unsigned(m);
        return o.str();
    });
}

std::string TreeMutator::swapSymlink() {
    std::string out;
    if (auto ls = symlinks(); !ls.empty()) {
        const fs::path l = pick(ls);
        fs::remove(root_ / l);
        writeRandom(root_ / l, rng_.below(8 << 10));
        out = "symlink " + l.string() + " replaced by a file";
    }
    auto fs_ = files();
    if (fs_.size() >= 2) {
        const fs::path f = pick(fs_);
        fs::path target = pick(fs_);
        if (target == f) target = fs_[(std::find(fs_.begin(), fs_.end(), f) - fs_.begin() + 1) % long(fs_.size())];
        fs::remove(root_ / f);
        // a relative link, so that it means the same under any restore target
        fs::create_symlink(fs::relative(root_ / target, (root_ / f).parent_path()), root_ / f);
        out += (out.empty() ? "" : "; ") + ("file " + f.string() + " replaced by a symlink to " + target.string());
    }
    return out.empty() ? "no-op: too few files" : out;
}

std::string TreeMutator::mutateGeneration() {
    std::vector<std::string> did;
    did.push_back(writeFiles(2 + int(rng_.below(4)), 64 << 10));
    did.push_back(modifyInPlace(2));
    did.push_back(append(2));
    did.push_back(truncate(1));
    did.push_back(rename(2));
    did.push_back(changeModes(2));
    did.push_back(swapSymlink());
    did.push_back(deletePercent(5));
    std::string s;
    for (const auto& d : did) s += (s.empty() ? "" : "; ") + d;
    return s;
}

}  // namespace e2e
