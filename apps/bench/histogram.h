// LatencyHistogram: a log-linear histogram of nanosecond values with 128 linear sub-buckets per
// power of two (about 0.8% resolution); values below 256 ns are exact. Fixed size (~58 KB),
// no allocation per record. Exact count, mean and max. Not thread-safe: one owner, merge after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lampi::bench {

class LatencyHistogram {
  public:
    LatencyHistogram();

    void record(std::uint64_t ns);
    void merge(const LatencyHistogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t max() const { return max_; }
    double mean() const;
    // The value at quantile q in [0, 1] (midpoint of its bucket, capped at max); 0 when empty.
    double percentile(double q) const;

    // Bucket layout, exposed for tests.
    static std::size_t bucket_of(std::uint64_t ns);
    static std::uint64_t bucket_low(std::size_t index);
    static std::uint64_t bucket_width(std::size_t index);

  private:
    std::vector<std::uint64_t> buckets_;
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace lampi::bench
