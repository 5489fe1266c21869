"""Hypothesis strategies: hostile text, styled documents and whole articles."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import strategies as st

from bot.model import (
    Article,
    BilingualPair,
    Block,
    BlockKind,
    Brief,
    KeyPoint,
    RelevanceNote,
    SpanKind,
    TextSpan,
)
from bot.render.document import SUPERSCRIPT_DIGITS as SUPERSCRIPT
from bot.render.document import Action, Button, Document, Mention, Para, ParaKind, Span

# Pieces that break naive splitters and escapers.
HOSTILE = [
    "👨‍👩‍👧‍👦",  # ZWJ family
    "🏳️‍🌈",  # flag ZWJ sequence with a variation selector
    "🇨🇳",
    "🇺🇸🇫🇷",  # two flags, regional indicators in a row
    "👍🏽",  # skin tone
    "e\u0301",  # combining acute
    "a\u0308\u0304",  # two combining marks
    "𝕏",  # astral letter
    "😀",
    "\U0002a6a5",  # astral CJK ideograph
    "<b>",
    "</i>",
    "&amp;",
    "&",
    "<",
    ">",
    '"',
    "'",
    "*",
    "**",
    "_",
    "__",
    "~~",
    "||",
    "`",
    "```",
    "> ",
    "# ",
    "- ",
    "1. ",
    "[x](y)",
    "\\",
    "@everyone",
    "@here",
    "<@123>",
    "<@&456>",
    "<#789>",
    "https://example.com/a?b=1&c=2",
    "。",
    "！",
    "？",
    "；",
    "，",
    "、",
    ". ",
    "? ",
    "; ",
    ", ",
    "\n",
    " ",
    "\u200b",
]
CJK = "的一是不了人我在有他这为之大来以个中上们到说时地也子就道而要于出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐帝限船脸职速刻乐否刚威毛状率甚独球般普怕弹校苦创假久错承印晚兰试股拿脑预谁益阳若哪微尼继送急血惊伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢雷警获模充负云停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣您宗积余痛检差富灵协角占配征修皮挥胜降阶审沉坚善妈刘读啊超免压银买皇养伊怀执副乱抗犯追帮宣佛岁航优怪香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋哥索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗姐介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减编楚肯测败屋跑梦散温困剑渐封救贵枪缺楼县尚毫移娘朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽巨炮旧端探湖录叶春乡附吸予礼港雨呀板庭妇归睛饭额含顺输摇招婚脱补谓督毒油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺伦岸奥唐卖俄炸载洛健堂旁宫喝借君禁阴园谋宋避抓荣姑孙逃牙束跳顶玉镇雪午练迫爷篇肉嘴馆遍凡础洞卷坦牛宁纸诸训私庄祖丝翻暴森塔默握戏隐熟骨访弱蒙歌店鬼软典欲萨伙遭盘爸扩盖弄雄稳忘亿刺拥徒姆杨齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵"
LATIN_WORDS = ["the", "reading", "group", "AI", "model", "code", "is", "a", "of", "and", "research", "x"]

CJK_WORDS = [CJK[i : i + n] for n in (1, 2, 4) for i in range(0, len(CJK) - n, 7 * n)]
TOKENS = HOSTILE + LATIN_WORDS + CJK_WORDS


def _run(seed: int) -> str:
    """A run of 15 to 250 tokens chosen by `seed` (one draw instead of hundreds)."""
    rng = random.Random(seed)
    return "".join(rng.choices(TOKENS, k=rng.randint(15, 250)))


token = st.sampled_from(TOKENS)
hostile_text = st.lists(token, min_size=1, max_size=8).map("".join) | st.integers(0, 2**32).map(_run)
visible_text = hostile_text.filter(lambda t: bool(t.strip()))


def _long_cjk(seed: int) -> str:
    """10,000 characters of Chinese with no spaces, sometimes with no punctuation at all, with a few
    astral characters and emoji sequences mixed in."""
    rng = random.Random(seed)
    chars = rng.choices(CJK, k=10_000)
    punctuation = "，。、！？；" if rng.random() < 0.5 else ""
    for i in rng.sample(range(len(chars)), k=400):
        chars[i] = rng.choice(punctuation) if punctuation and rng.random() < 0.8 else rng.choice(_EXTRAS)
    return "".join(chars)


_EXTRAS = ["👨‍👩‍👧", "🇨🇳", "\U0002a6a5", "e\u0301", "👍🏽"]
long_cjk = st.integers(min_value=0, max_value=2**32).map(_long_cjk)

mentions = st.builds(
    Mention,
    member_id=st.sampled_from(["123", "99887766", "not-a-number", "0"]),
    display_name=visible_text,
)
LINKS = [
    'https://example.com/a?b=1&c="2"',
    "http://x.y/<z>",
    "tg://user?id=5",
    "javascript:alert(1)",
    "ftp://a",
    "https://e.com/a b",
]
links = st.sampled_from(LINKS)


@st.composite
def spans(draw: st.DrawFn) -> Span:
    text = draw(hostile_text)
    kind = draw(st.sampled_from(["plain", "styled", "link", "mention", "code"]))
    if kind == "link":
        return Span(text, bold=draw(st.booleans()), link=draw(links))
    if kind == "mention":
        return Span(text, mention=draw(mentions))
    if kind == "code":
        return Span(text, code=True, bold=draw(st.booleans()))
    if kind == "styled":
        return Span(text, bold=draw(st.booleans()), italic=draw(st.booleans()))
    return Span(text)


paras = st.builds(
    lambda ss, kind: Para(tuple(ss), kind),
    st.lists(spans(), min_size=1, max_size=4),
    st.sampled_from(list(ParaKind)),
).filter(lambda p: bool(p.plain.strip()))

long_paras = st.builds(
    lambda text, kind, bold: Para((Span(text[:1000], bold=bold), Span(text[1000:])), kind),
    long_cjk,
    st.sampled_from(list(ParaKind)),
    st.booleans(),
)

# A document with many tiny bold spans exceeds Telegram's 100 entities long before 4096 characters.
entity_heavy = st.integers(min_value=60, max_value=400).map(
    lambda n: Document(
        tuple(Para((Span("a", bold=True), Span(" b "), Span("c", italic=True))) for _ in range(n))
    )
)


def ids(longest: int) -> st.SearchStrategy[str]:
    """Article ids (1-`longest` characters of a-z, 0-9, '-', not starting with '-')."""
    first = st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789")
    rest = st.lists(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), max_size=longest - 1).map(
        "".join
    )
    return st.builds(str.__add__, first, rest)


actions = st.builds(
    Action,
    kind=st.sampled_from(["tab", "page"]),
    article_id=ids(16),
    part=st.sampled_from(["bilingual", "translation", "original", "archive"]),
    page=st.integers(0, 99),
)
buttons = st.lists(
    st.lists(
        st.builds(Button, label=visible_text.map(lambda t: t[:60]), action=actions), min_size=1, max_size=4
    ),
    max_size=3,
)


def _distinct(rows: list[list[Button]]) -> tuple[tuple[Button, ...], ...]:
    # A message's buttons carry distinct actions (Discord refuses a repeated custom_id).
    count = iter(range(10_000))
    return tuple(
        tuple(Button(b.label, replace(b.action, page=next(count)) if b.action else None, b.url) for b in row)
        for row in rows
    )


documents = st.builds(
    lambda ps, bs: Document(tuple(ps), _distinct(bs)),
    st.lists(paras, min_size=1, max_size=16),
    buttons,
)
# Documents around one 10,000-character Chinese paragraph (expensive: fewer examples of these).
long_documents = st.builds(
    lambda before, long, after: Document((*before, long, *after)),
    st.lists(paras, max_size=3),
    long_paras,
    st.lists(paras, max_size=3),
)


def _block(text: str, kind: BlockKind) -> Block:
    return Block(kind, text)


def _fields(kind: BlockKind, number: int | None, level: int, said: str | None) -> dict[str, object]:
    """What a block of `kind` may carry: a heading's level, an item's or note's number, who said a quote."""
    if kind is BlockKind.HEADING:
        return {"level": level}
    if kind in (BlockKind.LIST_ITEM, BlockKind.FOOTNOTE):
        return {"number": number}
    if kind is BlockKind.QUOTE:
        return {"attribution": said}
    return {}


@st.composite
def _styled_block(draw: st.DrawFn) -> Block:
    """A block with styled runs: words set plain, in emphasis, strong, as links, with note references."""
    runs: list[TextSpan] = []
    for word in draw(st.lists(visible_text.map(lambda t: t[:60]), min_size=1, max_size=5)):
        style = draw(st.sampled_from([SpanKind.TEXT, SpanKind.EMPHASIS, SpanKind.STRONG, SpanKind.LINK]))
        runs.append(TextSpan(word, style, draw(st.sampled_from(LINKS)) if style is SpanKind.LINK else None))
        if draw(st.integers(0, 2)) == 0:  # a reference glued to the word
            runs.append(TextSpan(str(draw(st.integers(1, 120))), SpanKind.FOOTNOTE_REF))
    kind = draw(st.sampled_from(list(BlockKind)))
    fields = _fields(
        kind,
        draw(st.none() | st.integers(0, 999)),
        draw(st.integers(2, 6)),
        draw(st.none() | visible_text.map(lambda t: t[:40])),
    )
    return Block.of(kind, tuple(runs), **fields)


short_blocks = st.one_of(st.builds(_block, visible_text, st.sampled_from(list(BlockKind))), _styled_block())
long_blocks = st.builds(_block, long_cjk, st.sampled_from(list(BlockKind)))
pairs = st.builds(
    BilingualPair,
    source=st.none() | short_blocks,
    target=st.none() | short_blocks,
).filter(lambda p: p.source is not None or p.target is not None)
long_pairs = st.builds(BilingualPair, source=st.none() | short_blocks | long_blocks, target=long_blocks)


def with_some(items: st.SearchStrategy[list], extra: st.SearchStrategy[object]) -> st.SearchStrategy[tuple]:
    """A list of `items`, with at most one `extra` (an expensive, very long item) at a random place."""

    @st.composite
    def build(draw: st.DrawFn) -> tuple:
        out = list(draw(items))
        if draw(st.integers(0, 3)) == 0:
            out.insert(draw(st.integers(0, len(out))), draw(extra))
        return tuple(out)

    return build()


briefs = st.builds(
    Brief,
    headline=visible_text,
    verdict=visible_text,
    key_points=st.lists(st.builds(KeyPoint, visible_text, visible_text), max_size=6).map(tuple),
    relevance=st.lists(
        st.builds(RelevanceNote, visible_text.map(lambda t: t[:30]), visible_text), max_size=5
    ).map(tuple),
    prompts=st.lists(visible_text, max_size=5).map(tuple),
)

articles = st.builds(
    Article,
    id=ids(40),
    title=visible_text,
    brief=briefs,
    source_url=st.none() | st.just("https://example.com/article?x=1&y=<2>"),
    original=with_some(st.lists(short_blocks, max_size=12), long_blocks),
    translation=with_some(st.lists(short_blocks, max_size=12), long_blocks),
    bilingual=with_some(st.lists(pairs, max_size=30), long_pairs),
)


# --- seeded generators: many cheap cases (one draw each) besides the shrinkable strategies above ---


def _random_text(rng: random.Random, longest: int = 40) -> str:
    return "".join(rng.choices(TOKENS, k=rng.randint(1, longest)))


def _random_span(rng: random.Random) -> Span:
    text = _random_text(rng)
    kind = rng.randrange(5)
    if kind == 0:
        return Span(text, bold=rng.random() < 0.5, link=rng.choice(LINKS))
    if kind == 1:
        return Span(
            text, mention=Mention(rng.choice(["123", "99887766", "not-a-number"]), _random_text(rng, 3))
        )
    if kind == 2:
        return Span(text, code=True, bold=rng.random() < 0.5)
    if kind == 3:
        return Span(text, bold=rng.random() < 0.5, italic=rng.random() < 0.5)
    if rng.random() < 0.2:
        return Span(str(rng.randint(1, 99)).translate(SUPERSCRIPT), note=True)
    return Span(text)


def random_document(seed: int) -> Document:
    """A document of hostile text: up to 30 paragraphs of styled spans, sometimes a very long one,
    and up to three rows of buttons with distinct actions."""
    rng = random.Random(seed)
    paras: list[Para] = []
    for _ in range(rng.randint(1, 30)):
        para = Para(tuple(_random_span(rng) for _ in range(rng.randint(1, 5))), rng.choice(list(ParaKind)))
        if para.plain.strip():
            paras.append(para)
    if rng.random() < 0.05:
        paras.insert(rng.randint(0, len(paras)), Para((Span(_long_cjk(seed)),), rng.choice(list(ParaKind))))
    if not paras:
        paras.append(Para((Span("x"),)))
    count = iter(range(100))
    rows = tuple(
        tuple(
            Button(_random_text(rng, 3).strip()[:40] or "b", Action("page", "a-1", "bilingual", next(count)))
            for _ in range(rng.randint(1, 4))
        )
        for _ in range(rng.randint(0, 3))
    )
    return Document(tuple(paras), rows)


random_documents = st.integers(min_value=0, max_value=2**64).map(random_document)


def _random_block(rng: random.Random, seed: int, long_chance: float) -> Block:
    kind = rng.choice(list(BlockKind))
    if rng.random() < long_chance:
        return Block(kind, _long_cjk(seed))
    runs = []
    for _ in range(rng.randint(1, 4)):
        style = rng.choice([SpanKind.TEXT, SpanKind.TEXT, SpanKind.EMPHASIS, SpanKind.STRONG, SpanKind.LINK])
        runs.append(
            TextSpan(_random_text(rng, 40), style, rng.choice(LINKS) if style is SpanKind.LINK else None)
        )
        if rng.random() < 0.3:
            runs.append(TextSpan(str(rng.randint(1, 30)), SpanKind.FOOTNOTE_REF))
    fields = _fields(
        kind,
        rng.choice([None, rng.randint(0, 99)]),
        rng.randint(2, 6),
        rng.choice([None, _random_text(rng, 8)]),
    )
    return Block.of(kind, tuple(runs), **fields)


def random_article(seed: int) -> Article:
    """An article of hostile text: up to 40 pairs and 15 blocks per text, rarely a 10,000-character block."""
    rng = random.Random(seed)

    def text() -> str:
        return _random_text(rng, 20).strip() or "x"

    def blocks(most: int) -> tuple[Block, ...]:
        return tuple(_random_block(rng, seed, 0.01) for _ in range(rng.randint(0, most)))

    pairs = []
    for _ in range(rng.randint(0, 40)):
        source = _random_block(rng, seed, 0.01) if rng.random() < 0.9 else None
        target = _random_block(rng, seed + 1, 0.01) if source is None or rng.random() < 0.85 else None
        pairs.append(BilingualPair(source, target))
    return Article(
        id=rng.choice(["a", "x-1", "z" * 40, "2026-06-05-abc"]),
        title=text(),
        brief=Brief(text(), text(), prompts=tuple(text() for _ in range(rng.randint(0, 4)))),
        source_url=rng.choice([None, "https://example.com/a?b=<1>&c=2"]),
        original=blocks(15),
        translation=blocks(15),
        bilingual=tuple(pairs),
    )


random_articles = st.integers(min_value=0, max_value=2**64).map(random_article)
