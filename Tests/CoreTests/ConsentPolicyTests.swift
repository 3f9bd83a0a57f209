import Core
import Foundation
import Testing

@Suite struct ConsentPolicyTests {
    func profile(_ json: String) -> [String: ProfileValue] { ProfileValue.parseObject(json: json)! }

    @Test func theStandardPolicyBlocksEveryExplicitOptOutAndNothingElse() {
        let policy = ConsentPolicy.standard
        #expect(policy.blockingCondition(profile(#"{"ads_tracking_enabled":false}"#))?.attribute == "ads_tracking_enabled")
        #expect(policy.blockingCondition(profile(#"{"do_not_sell":true}"#))?.attribute == "do_not_sell")
        #expect(policy.blockingCondition(profile(#"{"opted_in_marketing":"No"}"#))?.attribute == "opted_in_marketing")
        #expect(policy.blockingCondition(profile(#"{"ads_tracking_enabled":0}"#))?.attribute == "ads_tracking_enabled")
        // Said nothing, said yes, or said something that is no answer: sent.
        #expect(policy.blockingCondition(profile(#"{"email":"a@b.co"}"#)) == nil)
        #expect(policy.blockingCondition(profile(#"{"ads_tracking_enabled":true,"do_not_sell":false,"opted_in_marketing":"granted"}"#)) == nil)
        #expect(policy.blockingCondition(profile(#"{"ads_tracking_enabled":"maybe","do_not_sell":null}"#)) == nil)
    }

    @Test func anOptInRequirementBlocksUsersWhoSaidNothing() {
        let policy = ConsentPolicy(conditions: [ConsentCondition(attribute: "ads_tracking_enabled", meaning: .trueGrants, requirement: .optIn)])
        #expect(policy.blockingCondition(profile(#"{"email":"a@b.co"}"#))?.reason == "ads_tracking_enabled is not true")
        #expect(policy.blockingCondition(profile(#"{"ads_tracking_enabled":"yes"}"#)) == nil)
        let refusing = ConsentPolicy(conditions: [ConsentCondition(attribute: "gpc", meaning: .trueRefuses, requirement: .optIn)])
        #expect(refusing.blockingCondition(profile(#"{"gpc":false}"#)) == nil)
        #expect(refusing.blockingCondition(profile(#"{}"#))?.reason == "gpc is not false")
    }

    @Test func theTextPathAgreesWithTheParsedPathAndFailsClosedOnUnreadableText() {
        let policies = [ConsentPolicy.standard,
                        ConsentPolicy(conditions: [ConsentCondition(attribute: "ads_tracking_enabled", meaning: .trueGrants, requirement: .optIn)])]
        let texts = [#"{}"#, #"{"email":"ads_tracking_enabled"}"#, #"{"ads_tracking_enabled":false}"#, #"{"do_not_sell":"TRUE"}"#,
                     #"{"ads_tracking_enabled":true,"opted_in_marketing":false}"#]
        for policy in policies {
            for text in texts {
                #expect(policy.blockingCondition(attributesJSON: text) == policy.blockingCondition(profile(text)), "\(text)")
            }
            #expect(policy.blockingCondition(attributesJSON: #"{"ads_tracking_enabled": tru"#) != nil)
        }
        #expect(ConsentPolicy(conditions: []).blockingCondition(attributesJSON: "not json") == nil)
    }

    @Test func aStoredPolicyReadsBackAndDamagedTextIsRefused() {
        let policy = ConsentPolicy(conditions: [ConsentCondition(attribute: "gpc", meaning: .trueRefuses, requirement: .noOptOut)])
        #expect(ConsentPolicy(jsonText: policy.jsonText) == policy)
        #expect(ConsentPolicy(jsonText: "{") == nil)
        #expect(ConsentPolicy(jsonText: #"{"conditions":[{"attribute":"","meaning":"true_grants","requirement":"opt_in"}]}"#) == nil)
    }

    @Test func theSentenceNamesEveryCondition() {
        #expect(ConsentPolicy.standard.sentence
                == "A user is never sent to any partner when ads_tracking_enabled is false, or when opted_in_marketing is false, or when do_not_sell is true.")
    }
}
