// Summary: the result of a run as ordered key/value pairs, printed as one `key=value` line (the
// same shape as mqbench's, so scripts can read both) or as one flat JSON object with the same
// keys. Pure; single owner.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace lampi::bench {

class Summary {
  public:
    using Value = std::variant<std::int64_t, double, std::string, bool>;

    void add_value(std::string key, Value value) {
        fields_.emplace_back(std::move(key), std::move(value));
    }
    void add(std::string key, std::int64_t v) { add_value(std::move(key), v); }
    void add(std::string key, std::uint64_t v) {
        add_value(std::move(key), static_cast<std::int64_t>(v));
    }
    void add(std::string key, int v) { add_value(std::move(key), std::int64_t{v}); }
    void add(std::string key, double v) { add_value(std::move(key), v); }
    void add(std::string key, bool v) { add_value(std::move(key), v); }
    void add(std::string key, std::string v) { add_value(std::move(key), std::move(v)); }
    void add(std::string key, const char* v) { add_value(std::move(key), std::string(v)); }

    const Value* find(const std::string& key) const;

    // `key=value key=value`: doubles with fixed decimals (rates as integers), bools as 0/1,
    // strings without spaces (spaces become '_').
    std::string text() const;
    std::string json() const;

  private:
    std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace lampi::bench
