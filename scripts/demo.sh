#!/usr/bin/env bash
# The demo: builds the sync server, creates a small province → city → branch tree with a few
# published items in a fresh data dir, prints the staff login and a kiosk enrollment string, and
# serves until Ctrl-C. The kiosk app that shows this content arrives with the kiosk issues.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${DEMO_DATA_DIR:-$(mktemp -d -t union-kiosk-demo.XXXXXX)}"
listen="${DEMO_LISTEN:-127.0.0.1:8443}"
password="${DEMO_PASSWORD:-demo-password-2026}"

# The same listen address for the CLI (it goes into the enrollment string) and for serve.
export SYNC_SERVER_LISTEN="$listen"

cargo build --release --locked -p sync-server
server=(./target/release/sync-server --data-dir "$data")

if [ ! -f "$data/server.db" ]; then
  "${server[@]}" init --org "示范省分行工会" --admin admin --display-name "省工会管理员" --password "$password" >/dev/null
  city=$("${server[@]}" org add --parent 1 --name "示范市分行工会" | sed -n 's/.*"id": \([0-9]*\).*/\1/p')
  branch=$("${server[@]}" org add --parent "$city" --name "示范市城东支行" | sed -n 's/.*"id": \([0-9]*\).*/\1/p')
  items=$(mktemp -d)
  cat >"$items/policy.json" <<JSON
{"org_id": 1, "body": {"kind": "news", "category": "policy", "pinned": true,
 "title": "关于做好今冬职工送温暖工作的通知",
 "summary": "各级工会要在元旦春节前走访慰问困难职工，做到应帮尽帮。",
 "body_markdown": "# 送温暖工作安排\n\n各级工会要提前摸清困难职工底数，**建立台账**，在节前完成走访。\n\n- 走访慰问困难职工家庭\n- 为一线职工送去御寒物资\n- 开展义诊和法律咨询"}}
JSON
  cat >"$items/activity.json" <<JSON
{"org_id": $city, "body": {"kind": "news", "category": "activities",
 "title": "市分行职工冬季健步走活动开始报名",
 "summary": "十二月中旬在滨江公园举行，欢迎职工和家属参加。",
 "body_markdown": "活动路线全程约五公里，沿途设补给点。报名请到一楼大厅工会服务终端填写报名表。"}}
JSON
  cat >"$items/branch.json" <<JSON
{"org_id": $branch, "body": {"kind": "news", "category": "union_news",
 "title": "城东支行职工书屋新到图书两百册",
 "summary": "新书涵盖文学、历史、金融业务和健康生活，欢迎借阅。",
 "body_markdown": "职工书屋位于二楼东侧，工作日中午和下班后开放。"}}
JSON
  for f in "$items"/*.json; do "${server[@]}" content put "$f" >/dev/null; done
  rm -r "$items"
  echo "demo data created in $data"
  echo "enrollment string for a kiosk at 示范市城东支行:"
  "${server[@]}" enroll-token --org "$branch" | grep '^unionkiosk://'
fi

echo "staff login: admin / $password    (data dir: $data)"
exec "${server[@]}" serve
