#include <gtest/gtest.h>

#include "mqtt/codec.h"
#include "mqtt/test_util.h"

namespace lampi::mqtt {
namespace {

using testing::Bytes;

HeaderResult parse(const Bytes& b, std::size_t max = 0) { return parse_fixed_header(b, max); }

TEST(FixedHeader, NeedsMoreWithNoBytes) { EXPECT_EQ(parse({}).status, HeaderStatus::NeedMore); }

TEST(FixedHeader, NeedsMoreWhileRemainingLengthContinues) {
    EXPECT_EQ(parse({0x30}).status, HeaderStatus::NeedMore);
    EXPECT_EQ(parse({0x30, 0x80}).status, HeaderStatus::NeedMore);
    EXPECT_EQ(parse({0x30, 0x80, 0x80, 0x80}).status, HeaderStatus::NeedMore);
}

TEST(FixedHeader, ReadsOneByteRemainingLength) {
    const HeaderResult r = parse({0x30, 0x7F});
    ASSERT_EQ(r.status, HeaderStatus::Ok);
    EXPECT_EQ(r.header.type(), PacketType::Publish);
    EXPECT_EQ(r.header.remaining_length, 127u);
    EXPECT_EQ(r.header.header_length, 2);
    EXPECT_EQ(r.header.total_length(), 129u);
}

TEST(FixedHeader, ReadsTheLargestFourByteRemainingLength) {
    const HeaderResult r = parse({0x30, 0xFF, 0xFF, 0xFF, 0x7F});
    ASSERT_EQ(r.status, HeaderStatus::Ok);
    EXPECT_EQ(r.header.remaining_length, kMaxRemainingLength);
    EXPECT_EQ(r.header.header_length, 5);
}

TEST(FixedHeader, ReadsSpecExampleValues) {
    // Spec 1.5.5, table 1-1: boundaries of each encoded size.
    EXPECT_EQ(parse({0x30, 0x80, 0x01}).header.remaining_length, 128u);
    EXPECT_EQ(parse({0x30, 0xFF, 0x7F}).header.remaining_length, 16'383u);
    EXPECT_EQ(parse({0x30, 0x80, 0x80, 0x01}).header.remaining_length, 16'384u);
    EXPECT_EQ(parse({0x30, 0x80, 0x80, 0x80, 0x01}).header.remaining_length, 2'097'152u);
}

TEST(FixedHeader, RejectsRemainingLengthLongerThanFourBytes) {
    const HeaderResult r = parse({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F});
    EXPECT_EQ(r.status, HeaderStatus::Error);
    EXPECT_EQ(r.error.reason, reason::kMalformedPacket);
}

TEST(FixedHeader, RejectsPacketTypeZero) {
    const HeaderResult r = parse({0x00, 0x00});
    EXPECT_EQ(r.status, HeaderStatus::Error);
    EXPECT_EQ(r.error.reason, reason::kMalformedPacket);
}

TEST(FixedHeader, RejectsWrongReservedFlagsForEveryType) {
    for (int type = 1; type <= 15; ++type) {
        for (int flags = 0; flags < 16; ++flags) {
            const auto first = static_cast<std::uint8_t>(type << 4 | flags);
            bool valid = flags == 0;
            if (type == 6 || type == 8 || type == 10) valid = flags == 2;
            if (type == 3) valid = ((flags >> 1) & 3) != 3;
            const HeaderResult r = parse({first, 0x00});
            EXPECT_EQ(r.status, valid ? HeaderStatus::Ok : HeaderStatus::Error)
                << "type " << type << " flags " << flags;
            if (!valid) {
                EXPECT_EQ(r.error.reason, reason::kMalformedPacket);
            }
        }
    }
}

TEST(FixedHeader, RejectsPublishWithQos3) {
    EXPECT_EQ(parse({0x36, 0x00}).status, HeaderStatus::Error);
}

TEST(FixedHeader, RejectsBadFirstByteBeforeRemainingLengthArrives) {
    // SUBSCRIBE with flags 0000: decidable from the first byte alone.
    EXPECT_EQ(parse({0x80}).status, HeaderStatus::Error);
}

TEST(FixedHeader, RejectsPacketLargerThanMaximumPacketSize) {
    const HeaderResult r = parse({0x30, 0x7F}, 128);
    EXPECT_EQ(r.status, HeaderStatus::Error);
    EXPECT_EQ(r.error.reason, reason::kPacketTooLarge);
}

TEST(FixedHeader, AcceptsPacketExactlyAtMaximumPacketSize) {
    EXPECT_EQ(parse({0x30, 0x7F}, 129).status, HeaderStatus::Ok);
}

TEST(FixedHeader, TreatsMaximumPacketSizeZeroAsNoLimit) {
    EXPECT_EQ(parse({0x30, 0xFF, 0xFF, 0xFF, 0x7F}, 0).status, HeaderStatus::Ok);
}

TEST(FixedHeader, RejectsBodyWhoseSizeDiffersFromRemainingLength) {
    FixedHeader h;
    h.type_and_flags = 0xC0;
    h.remaining_length = 1;
    h.header_length = 2;
    const Bytes body;
    EXPECT_FALSE(decode_packet(h, body, ProtocolVersion::V311, Side::FromClient).ok);
}

TEST(VariableInt, SizeMatchesAppendedBytes) {
    for (std::uint32_t v :
         {0u, 127u, 128u, 16'383u, 16'384u, 2'097'151u, 2'097'152u, kMaxRemainingLength}) {
        std::string out;
        append_variable_int(out, v);
        EXPECT_EQ(out.size(), variable_int_size(v)) << v;
        Bytes b{0x30};
        b.insert(b.end(), out.begin(), out.end());
        const HeaderResult r = parse_fixed_header(b, 0);
        ASSERT_EQ(r.status, HeaderStatus::Ok);
        EXPECT_EQ(r.header.remaining_length, v);
    }
}

}  // namespace
}  // namespace lampi::mqtt
