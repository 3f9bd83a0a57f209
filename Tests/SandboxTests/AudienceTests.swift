import FastCGI
import Foundation
import Testing
@testable import Sandbox

@Suite("Custom audiences: create, list, read, update, delete, caps, terms")
struct AudienceTests {
    let h: SandboxHarness
    let token: String
    init() throws {
        h = try SandboxHarness()
        token = try h.systemUserToken()
    }

    @Test func seededAudiencesAreListed() throws {
        let body = try h.body(h.graph("GET", "/act_1001/customaudiences", token: token, [("fields", "id,name,approximate_count_lower_bound")]))
        let data = try #require(body["data"]?.arrayValue)
        #expect(data.map { $0["name"]?.stringValue } == ["Newsletter subscribers", "Past purchasers"])
        #expect(data.allSatisfy { $0["approximate_count_lower_bound"] == .int(0) })
        #expect(try h.body(h.graph("GET", "/act_1002/customaudiences", token: token))["data"] == .array([]))
    }

    @Test func createReadUpdateDelete() throws {
        let created = h.graph("POST", "/act_1002/customaudiences", token: token, [
            ("name", "VIP <customers>"), ("subtype", "CUSTOM"), ("description", "From the CRM"),
            ("customer_file_source", "BOTH_USER_AND_PARTNER_PROVIDED"),
        ])
        #expect(created.status == 200)
        let id = try #require(try h.body(created)["id"]?.stringValue)
        #expect(id.allSatisfy(\.isNumber) && id.count >= 15)

        let read = try h.body(h.graph("GET", "/\(id)", token: token, [("fields",
            "id,name,description,subtype,account_id,approximate_count_lower_bound,approximate_count_upper_bound,operation_status,delivery_status,time_created,time_content_updated")]))
        #expect(read["id"] == .string(id))
        #expect(read["name"] == .string("VIP <customers>"))
        #expect(read["description"] == .string("From the CRM"))
        #expect(read["subtype"] == .string("CUSTOM"))
        #expect(read["account_id"] == .string("1002"))
        #expect(read["approximate_count_lower_bound"] == .int(0) && read["approximate_count_upper_bound"] == .int(0))
        #expect(read["operation_status"] == .object([("code", .int(200)), ("description", .string("Normal"))]))
        #expect(read["delivery_status"]?["code"] == .int(300))
        #expect(read["time_created"] == .int(Int(SandboxHarness.start.timeIntervalSince1970)))

        let update = h.graph("POST", "/\(id)", token: token, [("name", "VIP"), ("description", "Updated")])
        #expect(try h.body(update) == .object([("success", .bool(true))]))
        let reread = try h.body(h.graph("GET", "/\(id)", token: token, [("fields", "name,description")]))
        #expect(reread == .object([("id", .string(id)), ("name", .string("VIP")), ("description", .string("Updated"))]))

        let listed = try h.body(h.graph("GET", "/act_1002/customaudiences", token: token, [("fields", "name")]))
        #expect(listed["data"]?.arrayValue?.count == 1)

        let deleted = h.graph("DELETE", "/\(id)", token: token)
        #expect(try h.body(deleted) == .object([("success", .bool(true))]))
        #expect(try h.body(h.graph("GET", "/act_1002/customaudiences", token: token))["data"] == .array([]))
        let gone = try h.graphError(h.graph("GET", "/\(id)", token: token, [("fields", "name")]))
        #expect(gone.code == 100 && gone.subcode == 33)
        #expect(try h.inspect(id)["deleted"] == .bool(true))
    }

    @Test func createAcceptsJSONBodies() throws {
        let created = h.graphJSON("POST", "/act_1001/customaudiences", token: token,
                                  body: #"{"name":"From JSON","subtype":"CUSTOM","customer_file_source":"USER_PROVIDED_ONLY"}"#)
        #expect(created.status == 200, "\(created.text)")
    }

    @Test func createValidation() throws {
        func create(_ params: [(String, String)]) throws -> (code: Int?, subcode: Int?, type: String?, message: String) {
            try h.graphError(h.graph("POST", "/act_1001/customaudiences", token: token, params))
        }
        let noName = try create([("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY")])
        #expect(noName.code == 100 && noName.message == "(#100) The parameter name is required")
        #expect(try create([("name", "x"), ("customer_file_source", "USER_PROVIDED_ONLY")]).message == "(#100) The parameter subtype is required")
        #expect(try create([("name", "x"), ("subtype", "CUSTOM")]).message == "(#100) The parameter customer_file_source is required")
        #expect(try create([("name", "x"), ("subtype", "CUSTOM"), ("customer_file_source", "WHATEVER")]).code == 100)
        #expect(try create([("name", "x"), ("subtype", "LOOKALIKE"), ("customer_file_source", "USER_PROVIDED_ONLY")]).code == 100)
        let foreign = try create([("name", "x")])
        #expect(foreign.code == 100)
        let unreachable = try h.graphError(h.graph("POST", "/act_777/customaudiences", token: token, [
            ("name", "x"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ]))
        #expect(unreachable.subcode == 33)
    }

    @Test func termsNotAcceptedBlocksCreateAndEdit() throws {
        let response = h.graph("POST", "/act_1003/customaudiences", token: token, [
            ("name", "Blocked"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ])
        #expect(response.status == 400)
        let error = try #require(try h.body(response)["error"])
        #expect(error["code"] == .int(200) && error["error_subcode"] == .int(1_870_034))
        #expect(error["error_user_title"] == .string("Custom Audience Terms Not Accepted"))
        #expect(error["error_user_msg"]?.stringValue?.hasPrefix("You need to agree to the Custom Audience terms before you can create or edit an audience") == true)
        #expect(error["fbtrace_id"]?.stringValue?.isEmpty == false)

        // Editing an existing audience of an account whose terms were withdrawn.
        let id = try h.createAudience(token, account: "act_1001")
        _ = h.knob("POST", "/_sandbox/facebook/adaccounts/act_1001/tos", #"{"accepted":false}"#)
        #expect(try h.graphError(h.graph("POST", "/\(id)", token: token, [("name", "New")])).subcode == 1_870_034)
    }

    @Test func capOf500CustomerFileAudiences() throws {
        // act_1001 starts with 2; 498 more reach the cap.
        for i in 0..<498 {
            let r = h.graph("POST", "/act_1001/customaudiences", token: token, [
                ("name", "Audience \(i)"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
            ])
            #expect(r.status == 200)
        }
        let over = h.graph("POST", "/act_1001/customaudiences", token: token, [
            ("name", "One too many"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ])
        let error = try h.graphError(over)
        #expect(error.code == 2654)
        #expect(error.message == "Failed to create custom audience: this ad account has reached the limit of 500 customer file custom audiences")
        // Deleting one frees a slot; another account is unaffected.
        let firstID = String(FacebookSchema.firstAudienceID)
        #expect(h.graph("DELETE", "/\(firstID)", token: token).status == 200)
        #expect(h.graph("POST", "/act_1001/customaudiences", token: token, [
            ("name", "Fits again"), ("subtype", "CUSTOM"), ("customer_file_source", "USER_PROVIDED_ONLY"),
        ]).status == 200)
        _ = try h.createAudience(token, account: "act_1002")
    }

    @Test func unknownAudienceAndDeletedViaKnob() throws {
        let missing = try h.graphError(h.graph("GET", "/12345678901234567", token: token))
        #expect(missing.code == 100 && missing.subcode == 33)
        let id = try h.createAudience(token)
        #expect(h.knob("POST", "/_sandbox/facebook/audiences/\(id)/delete").status == 200)
        #expect(try h.graphError(h.graph("GET", "/\(id)", token: token)).subcode == 33)
        #expect(try h.graphError(h.graph("DELETE", "/\(id)", token: token)).subcode == 33)
    }

    @Test func approximateCountRule() {
        #expect(FacebookAudiences.approximateBounds(0) == (0, 0))
        #expect(FacebookAudiences.approximateBounds(5) == (5, 6))
        #expect(FacebookAudiences.approximateBounds(57) == (57, 68))
        #expect(FacebookAudiences.approximateBounds(1234) == (1200, 1440))
        #expect(FacebookAudiences.approximateBounds(98_765) == (98_000, 117_600))
    }
}
