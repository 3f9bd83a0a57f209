import Core
import Partners
import Testing

/// Every code of partners.md §2.1 and §2.6, classified without a network.
@Suite struct TikTokErrorsTests {
    static let table: [(Int, TikTokErrorContext, PartnerError)] = [
        (40000, .audience, .permanent(message: "")), (40000, .mapping, .invalidData(rows: [], message: "")),
        (40001, .mapping, .permissionDenied(message: "")),
        (40002, .audience, .permanent(message: "")), (40002, .mapping, .invalidData(rows: [], message: "")),
        (40007, .audience, .audienceGone(message: "")), (40007, .mapping, .audienceGone(message: "")),
        (40007, .advertiser, .permanent(message: "")),
        (40011, .mapping, .invalidData(rows: [], message: "")),
        (40016, .mapping, .throttled(retryAfter: nil, message: "")), (40100, .audience, .throttled(retryAfter: nil, message: "")),
        (40133, .mapping, .throttled(retryAfter: nil, message: "")),
        (40101, .token, .authInvalid(message: "")), (40102, .mapping, .authInvalid(message: "")),
        (40104, .audience, .authInvalid(message: "")), (40105, .advertiser, .authInvalid(message: "")),
        (40106, .mapping, .authInvalid(message: "")), (40110, .token, .authInvalid(message: "")),
        (40113, .token, .authInvalid(message: "")),
        (40119, .advertiser, .permissionDenied(message: "")),
        (40300, .audience, .permissionDenied(message: "")), (40301, .mapping, .permissionDenied(message: "")),
        (40202, .mapping, .transient(message: "")), (50000, .audience, .transient(message: "")),
        (50002, .mapping, .transient(message: "")), (60001, .token, .transient(message: "")), (51234, .audience, .transient(message: "")),
        (41234, .audience, .permanent(message: "")),
    ]

    @Test(arguments: table)
    func classifiesEveryListedCode(code: Int, context: TikTokErrorContext, expected: PartnerError) {
        let error = TikTokErrors.classify(code: code, message: "something", context: context)
        #expect(error.withoutMessage == expected)
        #expect(error.message.contains("(code \(code))"))
    }

    @Test func code40002IsToldApartByItsMessage() {
        #expect(TikTokErrors.classify(code: 40002, message: "Parameter error: invalid audience ID", context: .mapping).withoutMessage
                == .audienceGone(message: ""))
        #expect(TikTokErrors.classify(code: 40002, message: "The audience is processing", context: .mapping).withoutMessage
                == .transient(message: ""))
        #expect(TikTokErrors.partialSuccess == 20001)
    }
}
