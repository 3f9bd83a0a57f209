import FastCGI
import Foundation
import Testing
@testable import Sandbox

/// Meta's Limited Data Use column (`DATA_PROCESSING_OPTIONS`, partners.md §1.4): validated as Graph does, and
/// recorded per member so the inspection API shows who was uploaded with LDU.
@Suite("Audience members: Limited Data Use")
struct LimitedDataUseTests {
    let h: SandboxHarness
    let token: String
    let audience: String
    init() throws {
        h = try SandboxHarness()
        token = try h.systemUserToken()
        audience = try h.createAudience(token)
    }

    static let mary = "f1904cf1a9d73a55fa5de0ac823c4403ded71afd4c3248d00bdcd0866552bb79"
    static let phone = "1ef970831d7963307784fa8688e8fce101a15685d62aa765fed23f3a2c576a4e"

    private func add(_ data: String) -> Response {
        h.graphJSON("POST", "/\(audience)/users", token: token,
                    body: #"{"payload":{"schema":["EMAIL","DATA_PROCESSING_OPTIONS"],"data":\#(data)}}"#)
    }

    private func lduMembers() throws -> [String] {
        try #require(try h.inspect(audience)["ldu_members"]?.arrayValue).compactMap(\.stringValue)
    }

    @Test func anLDURowIsFlaggedAndAnEmptyArrayIsNot() throws {
        let response = add(#"[["\#(Self.mary)",["LDU"]],["\#(Self.phone)",[]]]"#)
        #expect(response.status == 200, "\(response.text)")
        #expect(try h.body(response)["num_invalid_entries"] == .int(0))
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(2))
        #expect(try lduMembers() == [Self.mary])
    }

    @Test func aReUploadUpdatesTheFlag() throws {
        #expect(add(#"[["\#(Self.mary)",["LDU"]]]"#).status == 200)
        #expect(try lduMembers() == [Self.mary])
        #expect(add(#"[["\#(Self.mary)",[]]]"#).status == 200)
        #expect(try lduMembers() == [])
        #expect(try h.inspect(audience)["member_count"] == .int(1))
    }

    @Test(arguments: [
        (#""LDU""#, #"expected an array such as ["LDU"] or [], got LDU"#),
        (#""""#, #"expected an array such as ["LDU"] or [], got "#),
        ("1", #"expected an array such as ["LDU"] or [], got 1"#),
        (#"["XYZ"]"#, "unknown option XYZ; known options: LDU"),
        (#"["ldu"]"#, "unknown option ldu; known options: LDU"),
        (#"[1]"#, "unknown option 1; known options: LDU"),
    ])
    func anythingButAnArrayOfKnownOptionsIsRefusedWhole(value: String, problem: String) throws {
        let error = try h.graphError(add(#"[["\#(Self.phone)",[]],["\#(Self.mary)",\#(value)]]"#))
        #expect(error.code == 100)
        #expect(error.message == "(#100) Invalid data_processing_options in row 1: \(problem)")
        let state = try h.inspect(audience)
        #expect(state["member_count"] == .int(0))
        #expect(try lduMembers() == [])
    }
}
