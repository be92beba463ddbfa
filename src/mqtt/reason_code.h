// MQTT 5.0 reason codes (spec section 2.4) and the 3.1.1 CONNACK return codes.
#pragma once

#include <cstdint>

namespace lampi::mqtt {

namespace reason {
inline constexpr std::uint8_t kSuccess = 0x00;
inline constexpr std::uint8_t kGrantedQos1 = 0x01;
inline constexpr std::uint8_t kGrantedQos2 = 0x02;
inline constexpr std::uint8_t kDisconnectWithWill = 0x04;
inline constexpr std::uint8_t kNoMatchingSubscribers = 0x10;
inline constexpr std::uint8_t kNoSubscriptionExisted = 0x11;
inline constexpr std::uint8_t kContinueAuthentication = 0x18;
inline constexpr std::uint8_t kReauthenticate = 0x19;
inline constexpr std::uint8_t kUnspecifiedError = 0x80;
inline constexpr std::uint8_t kMalformedPacket = 0x81;
inline constexpr std::uint8_t kProtocolError = 0x82;
inline constexpr std::uint8_t kImplementationSpecificError = 0x83;
inline constexpr std::uint8_t kUnsupportedProtocolVersion = 0x84;
inline constexpr std::uint8_t kClientIdentifierNotValid = 0x85;
inline constexpr std::uint8_t kBadUserNameOrPassword = 0x86;
inline constexpr std::uint8_t kNotAuthorized = 0x87;
inline constexpr std::uint8_t kServerUnavailable = 0x88;
inline constexpr std::uint8_t kServerBusy = 0x89;
inline constexpr std::uint8_t kBanned = 0x8A;
inline constexpr std::uint8_t kServerShuttingDown = 0x8B;
inline constexpr std::uint8_t kBadAuthenticationMethod = 0x8C;
inline constexpr std::uint8_t kKeepAliveTimeout = 0x8D;
inline constexpr std::uint8_t kSessionTakenOver = 0x8E;
inline constexpr std::uint8_t kTopicFilterInvalid = 0x8F;
inline constexpr std::uint8_t kTopicNameInvalid = 0x90;
inline constexpr std::uint8_t kPacketIdentifierInUse = 0x91;
inline constexpr std::uint8_t kPacketIdentifierNotFound = 0x92;
inline constexpr std::uint8_t kReceiveMaximumExceeded = 0x93;
inline constexpr std::uint8_t kTopicAliasInvalid = 0x94;
inline constexpr std::uint8_t kPacketTooLarge = 0x95;
inline constexpr std::uint8_t kMessageRateTooHigh = 0x96;
inline constexpr std::uint8_t kQuotaExceeded = 0x97;
inline constexpr std::uint8_t kAdministrativeAction = 0x98;
inline constexpr std::uint8_t kPayloadFormatInvalid = 0x99;
inline constexpr std::uint8_t kRetainNotSupported = 0x9A;
inline constexpr std::uint8_t kQosNotSupported = 0x9B;
inline constexpr std::uint8_t kUseAnotherServer = 0x9C;
inline constexpr std::uint8_t kServerMoved = 0x9D;
inline constexpr std::uint8_t kSharedSubscriptionsNotSupported = 0x9E;
inline constexpr std::uint8_t kConnectionRateExceeded = 0x9F;
inline constexpr std::uint8_t kMaximumConnectTime = 0xA0;
inline constexpr std::uint8_t kSubscriptionIdentifiersNotSupported = 0xA1;
inline constexpr std::uint8_t kWildcardSubscriptionsNotSupported = 0xA2;
}  // namespace reason

// MQTT 3.1.1 section 3.2.2.3: CONNACK return codes.
namespace connack_v3 {
inline constexpr std::uint8_t kAccepted = 0;
inline constexpr std::uint8_t kUnacceptableProtocolVersion = 1;
inline constexpr std::uint8_t kIdentifierRejected = 2;
inline constexpr std::uint8_t kServerUnavailable = 3;
inline constexpr std::uint8_t kBadUserNameOrPassword = 4;
inline constexpr std::uint8_t kNotAuthorized = 5;
}  // namespace connack_v3

const char* reason_code_name(std::uint8_t code);

}  // namespace lampi::mqtt
