import Core
import Testing

@Suite struct ProAllotmentsTests {
    @Test func countsAndAllows() {
        let one = ProAllotments(purchases: 1, enabled: [.tiktok])
        #expect(one.total == 3 && one.used == 1 && one.left == 2)
        #expect(one.allows(.facebook) && one.allows(.google) && one.allows(.tiktok) && !one.allows(.linkedin))
        #expect(ProAllotments(purchases: 0, enabled: []).total == 0)
    }

    @Test func refusesTooManyStandardOnesAndDisablingAConnectedOne() {
        let two = ProAllotments(purchases: 2, enabled: [.tiktok])
        #expect(two.problem(with: [.tiktok, .pinterest, .snapchat, .criteo, .linkedin], connected: []) == nil)
        #expect(ProAllotments(purchases: 1, enabled: []).problem(with: [.tiktok, .pinterest, .snapchat, .criteo], connected: [])?
            .contains("you chose 4") == true)
        #expect(two.problem(with: [.google], connected: [])?.contains("needs no Pro allotment") == true)
        #expect(two.problem(with: [], connected: [.tiktok, .facebook]) == "TikTok is still connected in a workspace. Disconnect before disabling.")
    }
}
