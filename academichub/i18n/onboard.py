"""The web strings of a reader's library upload and synced sources (the preference page) and of "rate ten
papers"; merged into ``pages.WEB`` (kept apart so each module stays short)."""

from __future__ import annotations

ONBOARD: dict[str, dict[str, str]] = {
    "en": {
        "library_title": "Your library",
        "library_intro": (
            "Upload your own papers: a BibTeX, RIS or CSL-JSON export (Zotero, Mendeley, Google Scholar and EndNote "
            "all write one) or a text file of arXiv ids and DOIs, one a line; at most {mb} MB and {entries} entries. "
            "They become examples of what the chosen radar should find, the recent ones weighing more. An upload "
            "replaces that radar's library."
        ),
        "library_file": "Library file",
        "library_radar": "For the radar",
        "library_upload": "Upload",
        "library_none": "No library yet.",
        "library_summary": "{name}: {count} papers",
        "library_unresolved": "{count} ids not resolved yet (they count once they are)",
        "library_recent": "Most recent",
        "library_read": "Read {count} papers from {file} ({format}) for the radar “{name}”; it now holds {held}.",
        "library_problems": "{count} entries could not be read:",
        "library_more_problems": "… and {count} more.",
        "library_resolved": (
            "Ids without a title: {corpus} found among the stored papers, {online} on arXiv or Crossref, "
            "{left} not resolved."
        ),
        "library_online_cap": "Only the first {count} ids were looked up on arXiv and Crossref.",
        "library_err_file": "Choose a file to upload.",
        "library_err_big": "The file is {size} bytes; a library file may be at most {limit} bytes.",
        "library_err_read": "This file could not be read: {detail}",
        "library_err_ids": (
            "None of the {count} ids could be resolved to a paper, so there is nothing to match against: upload "
            "an export with titles, or try again later."
        ),
        "rate_link": "Rate ten papers to train your radar",
        "rate_title": "Rate ten papers",
        "rate_intro": (
            "Papers of the edition of {date}: most sit near the line between what your radar sends you and what "
            "it leaves out, a few come from other themes. Rate as many as you like; your radar learns from them "
            "from the next email on."
        ),
        "rate_near": "near your radar's cut-off",
        "rate_other": "from another theme",
        "rate_more": "from elsewhere in the edition",
        "rate_intro_none": (
            "Papers of the edition of {date}: your radar ranks none of them yet, so these come from the day's "
            "themes; a 👍 tells it what is yours. Rate as many as you like; your radar learns from them from the "
            "next email on."
        ),
        "rate_intro_few": (
            "Papers of the edition of {date}: your radar ranks only {near} of them near the line between what it "
            "sends you and what it leaves out; the others come from other themes and the rest of the edition. "
            "Rate as many as you like; your radar learns from them from the next email on."
        ),
        "rate_radar": "Radar: {name}",
        "rate_skip": "Not sure",
        "rate_save": "Save my ratings",
        "rate_none_chosen": "Choose 👍 or 👎 for at least one paper.",
        "rate_saved_title": "Thank you",
        "rate_saved": "{count} ratings saved (👍 {likes}, 👎 {dislikes}). Your radar learns from them from the next "
        "email on.",
        "rate_again": "Rate ten more",
        "rate_empty": "There are no new papers to rate yet. Once the next edition is out, this page offers some.",
        "rate_stale": "This page is out of date: open it again to get papers to rate.",
        "sources_title": "Synced sources",
        "sources_intro": (
            "Libraries read again every day: their papers join the radar's library beside any file you uploaded. "
            "Removing a source removes its papers from that library; the rest stays."
        ),
        "sources_none": "No synced sources. Your operator can sync a Zotero library or an ORCID iD into a radar.",
        "source_zotero": "Zotero library {library} (key {key})",
        "source_collections": "collections {collections}",
        "source_orcid": "ORCID iD {orcid}",
        "source_radar": "radar “{name}”",
        "source_papers": "{count} papers",
        "source_paper": "1 paper",
        "source_synced": "last synced {when}",
        "source_never": "not synced yet",
        "source_failed": "The last attempt ({when}) failed: {error}. The papers of the last sync are kept.",
        "source_remove": "Remove",
        "source_removed": "Removed {source}; the radar “{name}” now holds {papers}.",
        "source_gone": "That source is no longer there (removed in another tab?).",
    },
    "zh": {
        "library_title": "您的文献库",
        "library_intro": (
            "上传您自己的论文：BibTeX、RIS 或 CSL-JSON 导出文件（Zotero、Mendeley、Google Scholar 和 EndNote "
            "均可导出），或每行一个 arXiv 编号或 DOI 的文本文件；最多 {mb} MB、{entries} 条。"
            "这些论文会成为所选雷达的示例，越新的权重越高。上传会替换该雷达原有的文献库。"
        ),
        "library_file": "文献文件",
        "library_radar": "用于雷达",
        "library_upload": "上传",
        "library_none": "尚无文献库。",
        "library_summary": "{name}：{count} 篇论文",
        "library_unresolved": "{count} 个编号尚未解析（解析后才计入）",
        "library_recent": "最新的几篇",
        "library_read": "已从 {file}（{format}）读取 {count} 篇论文，用于雷达“{name}”；该雷达现有 {held} 篇。",
        "library_problems": "{count} 个条目无法读取：",
        "library_more_problems": "……另有 {count} 个。",
        "library_resolved": (
            "无标题的编号：{corpus} 个在已存论文中找到，{online} 个经 arXiv 或 Crossref 找到，{left} 个未能解析。"
        ),
        "library_online_cap": "只有前 {count} 个编号在 arXiv 和 Crossref 上查询。",
        "library_err_file": "请选择要上传的文件。",
        "library_err_big": "此文件为 {size} 字节；文献文件最多 {limit} 字节。",
        "library_err_read": "无法读取此文件：{detail}",
        "library_err_ids": (
            "{count} 个编号都无法解析为论文，因此没有可供匹配的内容：请上传带标题的导出文件，或稍后再试。"
        ),
        "rate_link": "为十篇论文打分，训练您的雷达",
        "rate_title": "为十篇论文打分",
        "rate_intro": (
            "以下是 {date} 这一期的论文：多数位于雷达推荐与不推荐的分界附近，少数来自其他主题。"
            "评分多少都可以；从下一封邮件起，雷达会据此学习。"
        ),
        "rate_near": "接近雷达的推荐分界",
        "rate_other": "来自其他主题",
        "rate_more": "来自本期其他方向",
        "rate_intro_none": (
            "以下是 {date} 这一期的论文：雷达目前还没有为您排到其中任何一篇，因此这些论文来自当天的各个主题；"
            "点 👍 就是告诉它哪些属于您的方向。评分多少都可以；从下一封邮件起，雷达会据此学习。"
        ),
        "rate_intro_few": (
            "以下是 {date} 这一期的论文：其中只有 {near} 篇位于雷达推荐与不推荐的分界附近，"
            "其余来自其他主题和本期的其他论文。"
            "评分多少都可以；从下一封邮件起，雷达会据此学习。"
        ),
        "rate_radar": "雷达：{name}",
        "rate_skip": "不确定",
        "rate_save": "保存评分",
        "rate_none_chosen": "请至少为一篇论文选择 👍 或 👎。",
        "rate_saved_title": "谢谢",
        "rate_saved": "已保存 {count} 个评分（👍 {likes}，👎 {dislikes}）。从下一封邮件起，雷达会据此学习。",
        "rate_again": "再评十篇",
        "rate_empty": "暂时没有新的论文可评分。下一期发布后，本页会提供一些。",
        "rate_stale": "此页面已过期：请重新打开以获取要评分的论文。",
        "sources_title": "同步来源",
        "sources_intro": (
            "这些文库每天重新读取，其论文与您上传的文件一起组成雷达的文献库。"
            "删除一个来源会从该文献库中移除它带来的论文，其余不变。"
        ),
        "sources_none": "没有同步来源。运营者可以把 Zotero 文库或 ORCID iD 同步到某个雷达。",
        "source_zotero": "Zotero 文库 {library}（密钥 {key}）",
        "source_collections": "收藏夹 {collections}",
        "source_orcid": "ORCID iD {orcid}",
        "source_radar": "雷达“{name}”",
        "source_papers": "{count} 篇论文",
        "source_paper": "1 篇论文",
        "source_synced": "上次同步于 {when}",
        "source_never": "尚未同步",
        "source_failed": "最近一次尝试（{when}）失败：{error}。上次同步的论文仍然保留。",
        "source_remove": "删除",
        "source_removed": "已删除 {source}；雷达“{name}”现有 {papers}。",
        "source_gone": "该来源已不存在（可能已在另一个标签页中删除）。",
    },
}
