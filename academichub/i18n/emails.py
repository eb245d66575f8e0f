"""User-facing strings of the email in one catalogue, not one template per language."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "Academic Intelligence · Curated Daily",
        "headline": "Your research briefing",
        "subject": "AcademicHub · {date} · {top}",
        "subject_empty": "AcademicHub · {date} · a quiet day",
        "preheader": "{count} papers for you today, led by “{top}”",
        "opening": "Today’s edition has {edition} new papers; {count} of them match your interests.",
        "opening_empty": (
            "Today’s edition has {edition} new papers, and none of them cleared the relevance bar for your interests. "
            "Rather than pad this email with noise, we send you this short note."
        ),
        "opening_digest": "This week’s editions had {edition} new papers; {count} of them match your interests.",
        "opening_digest_empty": (
            "This week’s editions had {edition} new papers, "
            "and none of them cleared the relevance bar for your interests."
        ),
        "thin": (
            "A quiet day for your topics: only {count} papers cleared the relevance bar, "
            "so this email is shorter than usual."
        ),
        "extractive_note": "Summaries are the first sentences of each abstract (no language model wrote them today).",
        "partial_extractive_note": (
            "Some summaries are the first sentences of the abstract: the language model could not write them today."
        ),
        "themes_heading": "What connects today’s papers",
        "themes_named_heading": "Today’s themes your papers belong to",
        "cross_domain": "Across fields",
        "see_items": "papers {numbers}",
        "contribution": "Key contribution",
        "why": "Why this paper",
        "radar_heading": "Radar · {name}",
        "radar_empty": "Nothing for this radar today.",
        "reason_terms": "it matches “{values}”",
        "reason_keyword": "your keyword “{values}”",
        "reason_author": "by {values}, whom you follow",
        "reason_category": "in {values}",
        "reason_library": "close to your paper: {values}",
        "term_sep": ", ",
        "colon": ": ",
        "semicolon": "; ",
        "authors": "Authors",
        "abstract": "Abstract",
        "pdf": "PDF",
        "doi": "DOI",
        "interests": "Your interests",
        "footer": "You receive this because you subscribed to AcademicHub with this address.",
        "manage": "Manage preferences",
        "unsubscribe": "Unsubscribe",
        "contact": "Questions: {contact}",
        "more_like": "👍 More like this",
        "less_like": "👎 Less like this",
        "greeting": "Hello {name},",
        "greeting_anon": "Hello,",
        "view_online": "View in your browser",
        "chat_more": "…and {count} more: the whole briefing is in your browser view",
        "chat_open": "Read",
        "digest_headline": "Your weekly research digest",
        "subject_digest": "AcademicHub weekly · {date} · {top}",
        "subject_digest_empty": "AcademicHub weekly · {date} · a quiet week",
        "empty_hint": (
            "Nothing is wrong with your subscription: tomorrow’s papers are matched again. To widen what reaches you, "
            "add keywords or categories on your preferences page, or choose to receive no email on empty days."
        ),
        "confirm_headline": "Confirm your subscription",
        "subject_confirm": "Confirm your AcademicHub subscription",
        "confirm_preheader": "One click and your daily research briefing starts.",
        "confirm_body": (
            "Someone (we hope you) asked to receive AcademicHub’s research briefing at this address. "
            "Press the button to confirm; nothing is sent before you do."
        ),
        "confirm_body_text": (  # the text part has a link, not a button
            "Someone (we hope you) asked to receive AcademicHub’s research briefing at this address. "
            "Open the link below to confirm; nothing is sent before you do."
        ),
        "confirm_button": "Confirm my subscription",
        "confirm_ignore": (
            "If you did not ask for this, ignore this email: "
            "the address will not be subscribed and you will hear nothing more from us."
        ),
        "footer_confirm": "You receive this one email because this address was entered on AcademicHub’s sign-up page.",
        "saved_headline": "Preferences saved",
        "subject_saved": "AcademicHub · your preferences were saved",
        "saved_body": "Your preferences were saved. What changed:",
        "subject_fresh": "AcademicHub · a fresh link to your preferences",
        "fresh_body": (
            "You asked for a fresh link to your preferences: use “Manage preferences” below. It works for 30 days."
        ),
        "saved_not_you": (
            "If you did not make this change, open Manage preferences below and change it back, or write to us."
        ),
        "welcome_headline": "Welcome to AcademicHub",
        "subject_welcome": "Welcome to AcademicHub: your subscription is confirmed",
        "welcome_preheader": "Your first briefing arrives with the next edition. Rate ten papers to train your radar.",
        "welcome_body": "Your subscription is confirmed: your first briefing arrives with the next edition.",
        "welcome_rate": (
            "Teach your radar what you want in a minute: rate ten papers of the latest edition, chosen near the line "
            "between what it would send you and what it would leave out. No account needed."
        ),
        "welcome_rate_button": "Rate ten papers",
        "welcome_prefs": (
            "Keywords, authors to follow, several radars, your own library and when you receive it: all under "
            "“Manage preferences” below."
        ),
    },
    "zh": {
        "tagline": "Academic Intelligence · Curated Daily",
        "headline": "探索全球前沿学术脉络",
        "subject": "AcademicHub 每日简报 · {date} · {top}",
        "subject_empty": "AcademicHub 每日简报 · {date} · 今日相关论文较少",
        "preheader": "今日为您精选 {count} 篇论文，首篇：“{top}”",
        "opening": "今日共收录 {edition} 篇新论文，其中 {count} 篇与您的研究兴趣相关。",
        "opening_empty": (
            "今日共收录 {edition} 篇新论文，但没有一篇达到您兴趣的相关度门槛。"
            "与其用无关内容填满邮件，我们只发送这条简短说明。"
        ),
        "opening_digest": "本周各期共收录 {edition} 篇新论文，其中 {count} 篇与您的研究兴趣相关。",
        "opening_digest_empty": "本周各期共收录 {edition} 篇新论文，但没有一篇达到您兴趣的相关度门槛。",
        "thin": "今天与您相关的论文较少：仅 {count} 篇达到相关度门槛，因此本期比平时简短。",
        "extractive_note": "摘要为论文英文摘要的开头几句（今天没有由大语言模型撰写中文摘要）。",
        "partial_extractive_note": "部分摘要为论文英文摘要的开头几句：大语言模型今天未能撰写这些摘要。",
        "themes_heading": "今日论文之间的联系",
        "themes_named_heading": "您的论文所属的今日主题",
        "cross_domain": "跨领域",
        "see_items": "见第 {numbers} 篇",
        "contribution": "核心贡献",
        "why": "推荐理由",
        "radar_heading": "雷达 · {name}",
        "radar_empty": "今天这个雷达没有匹配的论文。",
        "reason_terms": "匹配“{values}”",
        "reason_keyword": "您的关键词“{values}”",
        "reason_author": "您关注的作者 {values}",
        "reason_category": "来自 {values}",
        "reason_library": "与您文库中的论文相近：{values}",
        "term_sep": "、",
        "colon": "：",
        "semicolon": "；",
        "authors": "作者",
        "abstract": "摘要",
        "pdf": "PDF",
        "doi": "DOI",
        "interests": "您的研究兴趣",
        "footer": "您收到此邮件是因为您使用此地址订阅了 AcademicHub。",
        "manage": "管理偏好设置",
        "unsubscribe": "退订",
        "contact": "联系我们：{contact}",
        "more_like": "👍 多推荐这类",
        "less_like": "👎 少推荐这类",
        "greeting": "{name}，您好：",
        "greeting_anon": "您好：",
        "view_online": "在浏览器中查看",
        "chat_more": "……另有 {count} 篇，完整简报请在浏览器中查看",
        "chat_open": "阅读",
        "digest_headline": "您的每周研究简报",
        "subject_digest": "AcademicHub 每周简报 · {date} · {top}",
        "subject_digest_empty": "AcademicHub 每周简报 · {date} · 本周相关论文较少",
        "empty_hint": (
            "您的订阅一切正常：明天的新论文会再次为您匹配。"
            "若想收到更多内容，可在偏好设置页面添加关键词或类别，也可以选择在没有相关论文的日子不接收邮件。"
        ),
        "confirm_headline": "确认订阅",
        "subject_confirm": "请确认您的 AcademicHub 订阅",
        "confirm_preheader": "点击一次，即可开始接收每日研究简报。",
        "confirm_body": (
            "有人（希望是您）申请用此地址接收 AcademicHub 研究简报。请点击下方按钮确认；确认之前我们不会发送任何简报。"
        ),
        "confirm_body_text": (
            "有人（希望是您）申请用此地址接收 AcademicHub 研究简报。请打开下方链接确认；确认之前我们不会发送任何简报。"
        ),
        "confirm_button": "确认订阅",
        "confirm_ignore": "如果这不是您的操作，请忽略此邮件：此地址不会被订阅，我们也不会再联系您。",
        "footer_confirm": "您收到这封邮件，是因为有人在 AcademicHub 订阅页面填写了此地址。",
        "saved_headline": "偏好设置已保存",
        "subject_saved": "AcademicHub · 您的偏好设置已保存",
        "saved_body": "您的偏好设置已保存。以下是更改内容：",
        "subject_fresh": "AcademicHub · 您的偏好设置新链接",
        "fresh_body": "您申请了新的偏好设置链接：请使用下方的“管理偏好设置”。链接有效期为 30 天。",
        "saved_not_you": "如果这不是您本人的更改，请通过下方“管理偏好设置”改回，或与我们联系。",
        "welcome_headline": "欢迎使用 AcademicHub",
        "subject_welcome": "欢迎使用 AcademicHub：您的订阅已确认",
        "welcome_preheader": "您的第一期简报将随下一期发送。为十篇论文打分，训练您的雷达。",
        "welcome_body": "您的订阅已确认：第一期简报将随下一期发送。",
        "welcome_rate": (
            "只需一分钟，告诉雷达您想看什么：为最新一期中的十篇论文打分，"
            "它们位于雷达“会发给您”与“会略过”的分界附近。无需注册账号。"
        ),
        "welcome_rate_button": "为十篇论文打分",
        "welcome_prefs": "关键词、关注的作者、多个雷达、您自己的文献库以及接收时间，都可以在下方“管理偏好设置”中更改。",
    },
}


def strings_for(language: str) -> dict[str, str]:
    """Strings for a subscriber language; 'bilingual' reads Chinese first (English follows per item)."""
    return STRINGS["zh" if language in ("zh", "bilingual") else "en"]
