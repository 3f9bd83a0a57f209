import Core
import Foundation
import Testing

/// Meta's Limited Data Use (`DATA_PROCESSING_OPTIONS`, partners.md §1.4): read from the profile, sent with every
/// Facebook row and never by any other partner.
@Suite struct FacebookLimitedDataUseTests {
    static func attributes(_ json: String) -> [String: ProfileValue] { ProfileValue.parseObject(json: json) ?? [:] }
    static func options(_ json: String) -> String {
        let profile = ProfileIdentifiers(externalID: "u1", attributes: attributes(json))
        return FacebookIdentifiers.row([.dataProcessingOptions], from: profile)[0]
    }

    @Test func theColumnGoesWithEveryFacebookRowUnhashed() {
        #expect(FacebookIdentifiers.alwaysSent == [.dataProcessingOptions])
        #expect(FacebookIdentifiers.alwaysSent.map(FacebookIdentifiers.schemaKey) == ["DATA_PROCESSING_OPTIONS"])
        #expect(FacebookIdentifiers.field(forSchemaKey: " data_processing_options ") == .dataProcessingOptions)
        #expect(!FacebookIdentifiers.isHashed(.dataProcessingOptions))
    }

    @Test(arguments: [
        (#"{"data_processing_options":["LDU"]}"#, "LDU"),
        (#"{"data_processing_options":["ldu"]}"#, "LDU"),
        (#"{"data_processing_options":" Ldu "}"#, "LDU"),
        (#"{"data_processing_options":["other","LDU"]}"#, "LDU"),
        (#"{"limited_data_use":true}"#, "LDU"),
        (#"{"limited_data_use":"TRUE"}"#, "LDU"),
        (#"{"data_processing_options":[]}"#, ""),
        (#"{"data_processing_options":""}"#, ""),
        (#"{"data_processing_options":["LDX"]}"#, ""),
        (#"{"data_processing_options":true}"#, ""),
        (#"{"limited_data_use":false}"#, ""),
        (#"{"email":"a@b.co"}"#, ""),
    ])
    func profileAttributesNormalizeToLDUOrNothing(json: String, expected: String) {
        #expect(Self.options(json) == expected)
    }

    @Test func everyOtherPartnerNeverSendsIt() {
        for partner in PartnerID.allCases where partner != .facebook {
            guard let rules = IdentifierRulesCatalog.rules(for: partner) else { continue }
            #expect(!rules.fields.contains(.dataProcessingOptions), "\(partner)")
            #expect(!rules.alwaysSent.contains(.dataProcessingOptions), "\(partner)")
            #expect(rules.row([.dataProcessingOptions], from: ProfileIdentifiers(dataProcessingOptions: "LDU")) == [""], "\(partner)")
        }
    }

    @Test func aSyncStepQueuesTheFlagAfterTheChosenFields() {
        let step = CanvasStep(id: 1, canvasID: 1, position: 0, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email])))
        let profile = ProfileIdentifiers(externalID: "u1", attributes: Self.attributes(#"{"email":"mary@example.com","data_processing_options":["LDU"]}"#))
        let outcome = PathWalk.walk([step], from: 0, resuming: false, profile: profile, blockedBy: nil, now: Date(timeIntervalSince1970: 0))
        #expect(outcome.items == [SyncItemDraft(stepID: 1, schema: ["EMAIL", "DATA_PROCESSING_OPTIONS"],
                                                row: ["f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", "LDU"])])
    }

    @Test func anLDUFlagAloneIsNoFieldToMatch() {
        let step = CanvasStep(id: 1, canvasID: 1, position: 0, kind: .audienceSync(AudienceSyncConfig(
            partner: .facebook, adAccountID: "act_1", audience: .new(name: "A", externalID: "9"), action: .add, fields: [.email])))
        let profile = ProfileIdentifiers(externalID: "u1", attributes: Self.attributes(#"{"limited_data_use":true}"#))
        let outcome = PathWalk.walk([step], from: 0, resuming: false, profile: profile, blockedBy: nil, now: Date(timeIntervalSince1970: 0))
        #expect(outcome.items.isEmpty)
        #expect(outcome.counts.map(\.metric) == [.entered, .notSyncedNoField, .exited])
    }

    @Test func segmentExportRowsCarryTheFlag() {
        #expect(ExportField.email.schema == ["EMAIL", "DATA_PROCESSING_OPTIONS"])
        #expect(ExportField.idfa.schema == ["MADID", "DATA_PROCESSING_OPTIONS"])
        let ldu = ProfileIdentifiers(email: "Mary@Example.com", dataProcessingOptions: "LDU")
        #expect(ExportField.email.row(ldu) == ["f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", "LDU"])
        #expect(ExportField.email.row(ProfileIdentifiers(email: "Mary@Example.com")) == ["f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79", ""])
        #expect(ExportField.phone.row(ldu) == nil)   // no phone: skipped, not sent with the flag alone
    }
}
