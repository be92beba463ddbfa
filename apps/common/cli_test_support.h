// Test helpers for load_config: run it on an argv, capturing what it prints to stderr, with
// XDG_CONFIG_HOME pointing at a fresh directory so no real ~/.config/mosquitto_* file is read.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "apps/common/cli.h"

namespace lampi::cli::test {

struct Parsed {
    ParseStatus status = ParseStatus::Error;
    Config cfg;
    std::string err;  // everything printed to stderr
};

// Runs load_config on {tool name, args...}.
inline Parsed parse(Tool tool, std::vector<std::string> args) {
    args.insert(args.begin(), tool_name(tool));
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    Parsed out;
    ::testing::internal::CaptureStderr();
    out.status = load_config(out.cfg, tool, static_cast<int>(argv.size()), argv.data());
    out.err = ::testing::internal::GetCapturedStderr();
    return out;
}

// Gives each test an empty XDG_CONFIG_HOME (and HOME) under a fresh temporary directory.
class CliTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "cli_test.XXXXXX");
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        saved_home_ = getenv("HOME") != nullptr ? getenv("HOME") : "";
        setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
        setenv("HOME", dir_.c_str(), 1);
    }
    void TearDown() override {
        std::filesystem::remove_all(dir_);
        setenv("HOME", saved_home_.c_str(), 1);
        unsetenv("XDG_CONFIG_HOME");
    }
    // Writes `text` to `name` in the test's directory and returns its path.
    std::string write_file(const std::string& name, const std::string& text) const {
        const std::filesystem::path path = dir_ / name;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }
    const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
    std::string saved_home_;
};

}  // namespace lampi::cli::test
