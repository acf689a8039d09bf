#!/usr/bin/env python3
"""Writes the API Gateway HTTP API (payload 2.0) events under events/<function>/.

The events are what `sam local invoke <Fn> -e events/<fn>/<case>.json` sends
and what the functions' tests replay through their handlers. Platform
deliveries are signed with the TEST credentials below (see each folder's
README); they are fixtures, not secrets. Re-run after changing a case:

    python3 events/generate.py
"""
import base64
import hashlib
import hmac
import json
import os
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

# Test credentials (also in webhook-messenger / webhook-zalo as TEST_*).
MESSENGER_APP_SECRET = b"test-app-secret"
MESSENGER_VERIFY_TOKEN = "test-verify-token"
ZALO_APP_ID = "1234567890123456789"
ZALO_OA_SECRET_KEY = "test-oa-secret-key"

# The moment the events were "sent": 2026-11-22 10:00:00 UTC.
EPOCH = 1795341600
EPOCH_MS = EPOCH * 1000

PAGE_ID = "109876543210987"
PSID = "7312345678901234"
PSID2 = "7398765432109876"
OA_ID = "4321987654321098765"
ZALO_USER = "8840123456789012345"


def envelope(method, path, headers, body=None, query="", base64_body=False, source_ip="203.0.113.10", ua="test",
             route=None, path_params=None, iam=False):
    h = {"host": "a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com",
         "x-forwarded-for": source_ip, "x-forwarded-proto": "https",
         "user-agent": ua}
    h.update(headers)
    if body is not None and "content-length" not in h:
        h["content-length"] = str(len(body if isinstance(body, bytes) else body.encode()))
    route_key = f"{method} {route or path}"
    ev = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": h,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "a1b2c3d4e5.execute-api.ap-southeast-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": source_ip, "userAgent": ua},
            "requestId": "Jx1abcdefghijk=",
            "routeKey": route_key,
            "stage": "$default",
            "time": "22/Nov/2026:10:00:00 +0000",
            "timeEpoch": EPOCH_MS,
        },
        "isBase64Encoded": base64_body,
    }
    if path_params:
        ev["pathParameters"] = path_params
    if iam:
        # What API Gateway adds after verifying a SigV4-signed request on an
        # IAM-authorised route.
        ev["requestContext"]["authorizer"] = {"iam": {
            "accessKey": "ASIAEXAMPLEKEY000000", "accountId": "123456789012",
            "callerId": "AROAEXAMPLEROLE00000:one-stop-sync",
            "principalOrgId": None,
            "userArn": "arn:aws:sts::123456789012:assumed-role/one-stop-sync/one-stop-sync",
            "userId": "AROAEXAMPLEROLE00000:one-stop-sync"}}
    if query:
        params = {}
        for pair in query.split("&"):
            k, _, v = pair.partition("=")
            # API Gateway decodes the values it puts here.
            params[urllib.parse.unquote_plus(k)] = urllib.parse.unquote_plus(v)
        ev["queryStringParameters"] = params
    if body is not None:
        raw = body if isinstance(body, bytes) else body.encode()
        ev["body"] = base64.b64encode(raw).decode() if base64_body else raw.decode()
    return ev


def write(folder, name, event):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(event, f, ensure_ascii=False, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- Messenger

def fb_sign(raw):
    return "sha256=" + hmac.new(MESSENGER_APP_SECRET, raw, hashlib.sha256).hexdigest()


def fb_body(*entries):
    return {"object": "page", "entry": list(entries)}


def fb_entry(*messaging, t=EPOCH_MS):
    return {"id": PAGE_ID, "time": t, "messaging": list(messaging)}


def fb_msg(mid, psid=PSID, t=EPOCH_MS, **message):
    return {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": t,
            "message": dict({"mid": mid}, **message)}


def fb_event(body, sign=True, signature=None, base64_body=False, ensure_ascii=False):
    raw = json.dumps(body, ensure_ascii=ensure_ascii, separators=(",", ":")).encode()
    headers = {"content-type": "application/json"}
    if sign:
        headers["x-hub-signature-256"] = signature or fb_sign(raw)
    return envelope("POST", "/webhooks/messenger", headers, raw, base64_body=base64_body,
                    source_ip="173.252.127.10", ua="facebookexternalua")


def messenger():
    f = "webhook-messenger"
    q = f"hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={MESSENGER_VERIFY_TOKEN}"
    write(f, "verify", envelope("GET", "/webhooks/messenger", {}, query=q, ua="facebookplatform/1.0"))
    q = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guessed-token"
    write(f, "verify-wrong-token", envelope("GET", "/webhooks/messenger", {}, query=q, ua="facebookplatform/1.0"))
    write(f, "text", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1a", text="đăng ký khai sinh cần giấy tờ gì")))))
    write(f, "text-unicode-escaped", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1b", text="lệ phí làm hộ chiếu bao nhiêu"))), ensure_ascii=True))
    write(f, "quick-reply", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1c", text="Lệ phí", quick_reply={"payload": "ASPECT:fee"})))))
    write(f, "postback-menu", fb_event(fb_body(fb_entry({
        "sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": EPOCH_MS,
        "postback": {"mid": "m_AXc9tT5sVx1Qq0xX7q9Z1d", "title": "Thủ tục hành chính",
                     "payload": "MENU:PROCEDURES"}}))))
    write(f, "get-started", fb_event(fb_body(fb_entry({
        "sender": {"id": PSID2}, "recipient": {"id": PAGE_ID}, "timestamp": EPOCH_MS,
        "postback": {"mid": "m_AXc9tT5sVx1Qq0xX7q9Z1e", "title": "Bắt đầu", "payload": "GET_STARTED"}}))))
    write(f, "location", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1f", attachments=[{"type": "location", "payload": {
            "coordinates": {"lat": 16.0678, "long": 108.2208}}}])))))
    write(f, "image", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1g", attachments=[{"type": "image", "payload": {
            "url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo.jpg"}}])))))
    write(f, "echo", fb_event(fb_body(fb_entry({
        "sender": {"id": PAGE_ID}, "recipient": {"id": PSID}, "timestamp": EPOCH_MS,
        "message": {"mid": "m_AXc9tT5sVx1Qq0xX7q9Z1h", "is_echo": True, "app_id": 1517776481860111,
                    "text": "Xin chào Anh/Chị!"}}))))
    write(f, "delivery-read", fb_event(fb_body(fb_entry(
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": EPOCH_MS,
         "delivery": {"mids": ["m_AXc9tT5sVx1Qq0xX7q9Z1a"], "watermark": EPOCH_MS}},
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": EPOCH_MS,
         "read": {"watermark": EPOCH_MS}}))))
    write(f, "batched", fb_event(fb_body(
        fb_entry(fb_msg("m_batch_1", text="đăng ký tạm trú"),
                 fb_msg("m_batch_2", psid=PSID2, text="cấp lại thẻ căn cước mất bao lâu")),
        fb_entry(fb_msg("m_batch_3", text="lệ phí đăng ký kết hôn", t=EPOCH_MS + 1000), t=EPOCH_MS + 1000))))
    write(f, "base64-body", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1i", text="làm hộ chiếu ở đâu"))), base64_body=True))
    write(f, "bad-signature", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1j", text="đăng ký khai sinh"))),
        signature="sha256=" + "0" * 64))
    write(f, "missing-signature", fb_event(fb_body(fb_entry(fb_msg(
        "m_AXc9tT5sVx1Qq0xX7q9Z1k", text="đăng ký khai sinh"))), sign=False))


# --------------------------------------------------------------------- Zalo

def zalo_sign(raw, ts):
    return hashlib.sha256(ZALO_APP_ID.encode() + raw + ts.encode() + ZALO_OA_SECRET_KEY.encode()).hexdigest()


def zalo_event(body, mac_prefix=False, header_timestamp=False, signature=None, ts=None):
    ts = ts or body.get("timestamp") or str(EPOCH_MS)
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    sig = signature or zalo_sign(raw, ts)
    headers = {"content-type": "application/json",
               "x-zevent-signature": ("mac=" + sig) if mac_prefix else sig}
    if header_timestamp:
        headers["x-zevent-timestamp"] = ts
    return envelope("POST", "/webhooks/zalo", headers, raw, source_ip="118.102.2.10", ua="ZaloWebhook")


def zalo_body(event_name, message=None, ts=EPOCH_MS, **extra):
    b = {"app_id": ZALO_APP_ID, "user_id_by_app": "5511223344556677889", "event_name": event_name,
         "timestamp": str(ts), "sender": {"id": ZALO_USER}, "recipient": {"id": OA_ID}}
    if message is not None:
        b["message"] = message
    b.update(extra)
    return b


def zalo():
    f = "webhook-zalo"
    write(f, "text", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60001", "text": "cho mình hỏi đăng ký tạm trú cần giấy tờ gì"})))
    write(f, "button-payload", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60002", "text": "MENU:DOSSIER"})))
    write(f, "location", zalo_event(zalo_body("user_send_location", {
        "msg_id": "a1b2c3d4e5f60003", "text": "Chợ Hàn",
        "attachments": [{"type": "location", "payload": {"coordinates": {
            "latitude": "16.0678", "longitude": "108.2244"}}}]})))
    write(f, "location-lat-long", zalo_event(zalo_body("user_send_location", {
        "msg_id": "a1b2c3d4e5f60004",
        "attachments": [{"type": "location", "payload": {"coordinates": {
            "lat": 16.0544, "long": 108.2022}}}]})))
    write(f, "follow", zalo_event({
        "app_id": ZALO_APP_ID, "oa_id": OA_ID, "user_id_by_app": "5511223344556677889",
        "event_name": "follow", "timestamp": str(EPOCH_MS), "source": "oa_profile",
        "follower": {"id": ZALO_USER}}))
    write(f, "image", zalo_event(zalo_body("user_send_image", {
        "msg_id": "a1b2c3d4e5f60005",
        "attachments": [{"type": "image", "payload": {
            "thumbnail": "https://photo-stal.zadn.vn/thumb.jpg", "url": "https://photo-stal.zadn.vn/photo.jpg"}}]})))
    write(f, "sticker", zalo_event(zalo_body("user_send_sticker", {
        "msg_id": "a1b2c3d4e5f60006",
        "attachments": [{"type": "sticker", "payload": {"id": "abc", "url": "https://zalo-api.zadn.vn/sticker"}}]})))
    write(f, "unfollow", zalo_event({
        "app_id": ZALO_APP_ID, "oa_id": OA_ID, "user_id_by_app": "5511223344556677889",
        "event_name": "unfollow", "timestamp": str(EPOCH_MS), "source": "oa_profile",
        "follower": {"id": ZALO_USER}}))
    write(f, "oa-echo", zalo_event({
        "app_id": ZALO_APP_ID, "event_name": "oa_send_text", "timestamp": str(EPOCH_MS),
        "sender": {"id": OA_ID}, "recipient": {"id": ZALO_USER},
        "message": {"msg_id": "a1b2c3d4e5f60007", "text": "Xin chào Anh/Chị!"}}))
    write(f, "mac-prefix", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60008", "text": "lệ phí làm hộ chiếu"}), mac_prefix=True))
    write(f, "header-timestamp", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60009", "text": "cấp đổi căn cước mất bao lâu"}), header_timestamp=True))
    write(f, "bad-signature", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60010", "text": "đăng ký khai sinh"}), signature="f" * 64))
    stale = EPOCH_MS - 3600 * 1000
    write(f, "stale-timestamp", zalo_event(zalo_body("user_send_text", {
        "msg_id": "a1b2c3d4e5f60011", "text": "đăng ký khai sinh"}, ts=stale)))


# ---------------------------------------------------------------------- Web

ORIGIN = "http://localhost:3000"


def web_post(body, origin=ORIGIN, raw=None):
    headers = {"content-type": "application/json", "origin": origin, "referer": origin + "/"}
    payload = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    return envelope("POST", "/chat", headers, payload, ua="Mozilla/5.0 (Linux; Android 14) Mobile")


def web():
    f = "webhook-web"
    sid = "k3x9Qm2vT7pLw4Zr"
    write(f, "chat-text", web_post({"session_id": sid, "text": "đăng ký kết hôn cần giấy tờ gì"}))
    write(f, "chat-choice", web_post({"session_id": sid, "choice": "MENU:PROCEDURES"}))
    write(f, "chat-start", web_post({"session_id": sid, "start": True}))
    write(f, "preflight", envelope("OPTIONS", "/chat", {
        "origin": ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "content-type"}))
    write(f, "widget-js", envelope("GET", "/widget.js", {"referer": ORIGIN + "/"}))
    write(f, "disallowed-origin", web_post({"session_id": sid, "text": "xin chào"}, origin="https://evil.example"))
    write(f, "oversized-text", web_post({"session_id": sid, "text": "a " * 1200}))
    write(f, "invalid-json", web_post(None, raw="{\"session_id\": \"k3x9Qm2vT7pLw4Zr\", \"text\": "))
    write(f, "missing-session", web_post({"text": "đăng ký khai sinh"}))
    write(f, "html-injection", web_post({"session_id": sid, "text": "<script>alert(1)</script><img src=x onerror=alert(2)>"}))


# ----------------------------------------------------------- dossier status

# A sample dossier shipped in data/samples/dossiers.jsonl.
SAMPLE_DOSSIER = "000.00.17.H17-261120-0012"
DOSSIER_PUSH_KEY = "test-dossier-push-key"


def dossier_event(method, code, body=None, headers=None, iam=False, path_code=None):
    path = "/dossiers/" + urllib.parse.quote(path_code if path_code is not None else code, safe=".-")
    h = dict(headers or {})
    raw = None
    if body is not None:
        raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        h.setdefault("content-type", "application/json")
    return envelope(method, path, h, raw, route="/dossiers/{code}",
                    path_params={"code": code}, iam=iam,
                    source_ip="113.160.0.25" if method == "GET" else "10.0.12.7")


def pushed(status="result_ready", updated_at=EPOCH):
    return {
        "code": SAMPLE_DOSSIER, "procedure": "Đăng ký thường trú",
        "agency": "Công an phường Thanh Khê", "received": "2026-11-20", "due": "2026-11-27",
        "status": status, "result_date": "2026-11-22",
        "delivery": "Trực tuyến (trên ứng dụng VNeID)",
        "history": [
            {"date": "2026-11-20", "step": "Tiếp nhận hồ sơ trực tuyến", "unit": "Công an phường Thanh Khê"},
            {"date": "2026-11-22", "step": "Phê duyệt, cập nhật Cơ sở dữ liệu về cư trú", "unit": "Công an phường Thanh Khê"},
        ],
        "updated_at": updated_at, "sample": True,
        # Sent by the one-stop system, never stored (the model has no such field).
        "applicant_name": "Nguyễn Văn Mẫu", "applicant_phone": "0905000000",
    }


def dossier_status():
    f = "dossier-status"
    write(f, "get-found", dossier_event("GET", SAMPLE_DOSSIER))
    write(f, "get-loose-code", dossier_event("GET", "000 00 17 h17 261120 0012"))
    write(f, "get-not-found", dossier_event("GET", "000.00.17.H17-261120-9999"))
    write(f, "get-malformed", dossier_event("GET", "000.00.17.H17-261120"))
    write(f, "get-look-alike", dossier_event("GET", "000.00.17.Н17-261120-0012"))
    write(f, "put-iam", dossier_event("PUT", SAMPLE_DOSSIER, pushed(), iam=True))
    write(f, "put-api-key", dossier_event("PUT", SAMPLE_DOSSIER, pushed(),
                                          headers={"x-api-key": DOSSIER_PUSH_KEY}))
    write(f, "put-wrong-key", dossier_event("PUT", SAMPLE_DOSSIER, pushed(),
                                            headers={"x-api-key": "guessed-key-0000000"}))
    write(f, "put-stale", dossier_event("PUT", SAMPLE_DOSSIER, pushed("processing", 1_000_000_000), iam=True))
    write(f, "put-code-mismatch", dossier_event("PUT", "000.00.17.H17-261120-0013", pushed(), iam=True))
    bad = pushed()
    bad["due"] = "2026-11-19"
    write(f, "put-invalid", dossier_event("PUT", SAMPLE_DOSSIER, bad, iam=True))
    write(f, "put-malformed-json", dossier_event("PUT", SAMPLE_DOSSIER, '{"code": "000.00.17.H17-261120-0012", ', iam=True))


# ------------------------------------------------------------ bus and notices

def get(path, query="", route=None, path_params=None):
    return envelope("GET", path, {"accept": "application/json"}, query=query,
                    route=route, path_params=path_params)


def q(**params):
    return "&".join(f"{k}={urllib.parse.quote(str(v), safe='')}" for k, v in params.items())


def bus_stops():
    f = "bus-stops"
    stop = lambda code: get("/bus/stops/" + urllib.parse.quote(code, safe=""),
                            route="/bus/stops/{code}", path_params={"code": code})
    route = lambda n: get("/bus/routes/" + urllib.parse.quote(n, safe=""),
                          route="/bus/routes/{number}", path_params={"number": n})
    write(f, "stop-found", stop("101"))
    write(f, "stop-not-found", stop("9999"))
    write(f, "stop-malformed", stop("<script>"))
    # Near stop 101 (Kim Liên, Nguyễn Văn Cừ).
    write(f, "nearby-found", get("/bus/stops/nearby", q(lat=16.135483, lng=108.119566, radius=300)))
    # Open sea east of Sơn Trà: nothing within the default radius.
    write(f, "nearby-none", get("/bus/stops/nearby", q(lat=16.05, lng=108.40)))
    write(f, "nearby-malformed", get("/bus/stops/nearby", q(lat="mười sáu", lng=108.1)))
    write(f, "nearby-radius-too-large", get("/bus/stops/nearby", q(lat=16.13, lng=108.12, radius=5000)))
    write(f, "search-found", get("/bus/stops", q(q="101 Nguyễn Văn Cừ")))
    write(f, "search-none", get("/bus/stops", q(q="đường không có thật")))
    write(f, "search-missing", get("/bus/stops"))
    write(f, "route-found", route("05"))
    write(f, "route-former-number", route("R16"))
    write(f, "route-not-found", route("99"))


def notices():
    f = "notices"
    write(f, "all-current", get("/notices"))
    write(f, "kind-and-area", get("/notices", q(kind="power_cut", area="Hải Châu")))
    write(f, "old-district", get("/notices", q(kind="storm", area="huyen Hoa Vang")))
    write(f, "date-window", get("/notices", q(kind="reception", **{"from": "2026-11-30", "to": "2026-12-06"})))
    write(f, "unknown-kind", get("/notices", q(kind="traffic")))
    write(f, "unknown-area", get("/notices", q(area="Phường Không Có")))
    write(f, "malformed-date", get("/notices", q(**{"from": "30/11/2026"})))


if __name__ == "__main__":
    messenger()
    zalo()
    web()
    dossier_status()
    bus_stops()
    notices()
