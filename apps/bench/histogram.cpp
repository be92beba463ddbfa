#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace lampi::bench {

namespace {

constexpr unsigned kSubBits = 7;  // 128 sub-buckets per power of two
constexpr std::uint64_t kSub = 1u << kSubBits;
// Index space: values < 2*kSub map to themselves; above, (exponent - kSubBits + 1) * kSub + sub.
constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
    if (ns < 2 * kSub) return static_cast<std::size_t>(ns);
    const unsigned exponent = static_cast<unsigned>(std::bit_width(ns)) - 1;  // >= kSubBits + 1
    const std::uint64_t sub = (ns >> (exponent - kSubBits)) & (kSub - 1);
    return static_cast<std::size_t>((exponent - kSubBits + 1) * kSub + sub);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t index) {
    if (index < 2 * kSub) return index;
    const unsigned exponent = static_cast<unsigned>(index / kSub) + kSubBits - 1;
    const std::uint64_t sub = index % kSub;
    return (kSub + sub) << (exponent - kSubBits);
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t index) {
    if (index < 2 * kSub) return 1;
    const unsigned exponent = static_cast<unsigned>(index / kSub) + kSubBits - 1;
    return std::uint64_t{1} << (exponent - kSubBits);
}

void LatencyHistogram::record(std::uint64_t ns) {
    ++buckets_[bucket_of(ns)];
    ++count_;
    max_ = std::max(max_, ns);
    sum_ += static_cast<long double>(ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

double LatencyHistogram::mean() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

double LatencyHistogram::percentile(double q) const {
    if (count_ == 0) return 0.0;
    q = std::clamp(q, 0.0, 1.0);
    // The rank of the wanted sample, 1-based: the smallest value with at least q of all below it.
    const auto rank = std::max<std::uint64_t>(
        1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += buckets_[i];
        if (seen >= rank) {
            const double mid =
                static_cast<double>(bucket_low(i)) + static_cast<double>(bucket_width(i) - 1) / 2.0;
            return std::min(mid, static_cast<double>(max_));
        }
    }
    return static_cast<double>(max_);
}

}  // namespace lampi::bench
