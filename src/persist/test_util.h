// Helpers for the persist tests: a temporary directory, record builders, opening and loading.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "persist/store.h"

namespace lampi::persist::testing {

class TempDir {
  public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "lampi-persist-XXXXXX");
        path_ = ::mkdtemp(tmpl.data());
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

inline std::unique_ptr<Store> open_ok(const std::string& path, const StoreOptions& options = {}) {
    auto result = Store::open(path, options);
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << "open failed: " << *error;
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<Store>>(result));
}

inline std::string open_error(const std::string& path, const StoreOptions& options = {}) {
    auto result = Store::open(path, options);
    if (auto* error = std::get_if<std::string>(&result)) return *error;
    ADD_FAILURE() << "open of " << path << " succeeded";
    return {};
}

inline Snapshot load_ok(Store& store) {
    auto result = store.load();
    if (auto* error = std::get_if<std::string>(&result)) {
        ADD_FAILURE() << "load failed: " << *error;
        return {};
    }
    return std::move(std::get<Snapshot>(result));
}

inline void apply_ok(Store& store, std::vector<Op> ops) {
    std::string error;
    ASSERT_TRUE(store.apply(ops, &error)) << error;
}

inline MessageRecord message(std::uint64_t id, std::string topic = "a/b",
                             std::string payload = "hello") {
    MessageRecord m;
    m.id = id;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    m.qos = 1;
    m.origin_client_id = "publisher";
    return m;
}

inline DeliveryRecord delivery(std::string client, std::uint64_t seq, std::uint64_t message_id) {
    DeliveryRecord d;
    d.client_id = std::move(client);
    d.seq = seq;
    d.message_id = message_id;
    d.qos = 1;
    return d;
}

inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

}  // namespace lampi::persist::testing
