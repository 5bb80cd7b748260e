"""A labelled, fictional corpus for the de-identification benchmark.

Every person and organisation here is invented. Person names are marked [[P:…]] and
organisations [[O:…]] in the transcripts; `labelled()` strips the marks and returns the gold
spans. The roster is what a project's interviewee records would hold. The transcripts mix
interviewees (in the roster) with other people they mention (not in it), inflected Russian
forms, Chinese names without spaces, and names that are also common words (Will Rose,
Grace Long, Mark Hope, He Wenjing) beside the same words used as words.
"""

from __future__ import annotations

import re

ROSTER = [
    {"pseudonym": "EN-01", "real_name": "Hanna Karpovich", "organisation": "Lanka Pictures",
     "contact": "hanna.karpovich@lanka.example"},
    {"pseudonym": "EN-02", "real_name": "Will Rose", "organisation": "Northgate Theatre"},
    {"pseudonym": "EN-03", "real_name": "Grace Long", "organisation": "Harbour Arts Trust"},
    {"pseudonym": "EN-04", "real_name": "Mark Hope", "organisation": "Fenwick Media"},
    {"pseudonym": "CN-01", "real_name": "He Wenjing / 何文静", "organisation": "Qingshan Film Co."},
    {"pseudonym": "CN-02", "real_name": "Wang Jiarui / 王佳瑞", "organisation": "云桥数字"},
    {"pseudonym": "CN-03", "real_name": "Li Ming / 李明", "organisation": "丝路文旅"},
    {"pseudonym": "CN-04", "real_name": "Zhang Xiaoyan / 张晓燕"},
    {"pseudonym": "RU-01", "real_name": "Olga Melnikova / Ольга Мельникова",
     "organisation": "Полесская филармония"},
    {"pseudonym": "RU-02", "real_name": "Dmitry Sokolov / Дмитрий Соколов"},
    {"pseudonym": "RU-03", "real_name": "Ганна Карпович"},
]  # fmt: skip

EN = [
    """Interviewer: Thank you for coming in, [[P:Hanna]]. Could you say what you do?

[[P:Hanna Karpovich]]: I produce films at [[O:Lanka Pictures]]. We are small, twenty people. My partner on the first film was [[P:Tom Fletcher]], a line producer from Leeds, and later [[P:Priya Natarajan]] joined us for distribution.

Interviewer: How did the money work?

[[P:Hanna Karpovich]]: Badly at first. [[P:Tom]] and I paid the sound team from our own savings. Then [[P:Jonas Weber]] at the [[O:Baltic Film Fund]] read the script and said he would back it if we found a co-producer. You will hear the same story from everyone, I think.

Interviewer: Did the ministry help?

[[P:Hanna Karpovich]]: The ministry helped with permits. Ms [[P:Karpovich]] is what they call me there, very formal. They were polite, but slow. [[P:Sofia Brandt]] from the embassy pushed the papers through in the end.""",
    """Interviewer: [[P:Will]], you run the theatre now?

[[P:Will Rose]]: I do, since 2019. [[O:Northgate Theatre]] will be forty next year. We will celebrate with a season of new writing, and we planted a rose garden by the stage door, which the board loves.

Interviewer: Who shaped the programme?

[[P:Will Rose]]: [[P:Grace Long]] did, more than anyone. She chaired the [[O:Harbour Arts Trust]] for a long time and she will tell you that hope is not a plan. [[P:Mark Hope]] disagrees, of course, and [[P:Mark]] likes to mark every draft in red.

Interviewer: And audiences?

[[P:Will Rose]]: Audiences come for the stories. [[P:Eleanor Whitfield]] wrote our best play in years, and [[P:David Osei]] directed it. Mr [[P:Rose]] is my father, people mix us up, he ran the box office until [[P:Rose]] retired.""",
    """Interviewer: [[P:Grace]], how long have you chaired the trust?

[[P:Grace Long]]: Too long, my husband says. I joined the [[O:Harbour Arts Trust]] in 2012. The grace period on our loan ended last spring and we had to find money quickly.

Interviewer: Where did it come from?

[[P:Grace Long]]: From [[O:Fenwick Media]], mostly. [[P:Mark Hope]] saw the value at once. I had worked with [[P:Anita Kowalska]] on the festival, and she introduced us. Dr [[P:Samuel Adeyemi]] from the university wrote the evaluation, which the funders wanted.

Interviewer: What will you do next?

[[P:Grace Long]]: Hope for the best and plan for the worst. [[P:Will Rose]] wants a touring show; I want a long-term home for the archive. Ms [[P:Long]] is not going anywhere yet.""",
    """Interviewer: You work with Chinese partners, [[P:Mark]]?

[[P:Mark Hope]]: Yes. [[O:Fenwick Media]] distributes documentaries in Asia. Our contact in Beijing is [[P:He Wenjing]], who runs [[O:Qingshan Film Co.]]. He is careful, she is bold: I mean my boss and Ms [[P:He]]. [[P:Wang Jiarui]] handles the digital side for [[P:Wenjing]].

Interviewer: How do you keep track of rights?

[[P:Mark Hope]]: A spreadsheet and a lot of hope. [[P:Lucy Brennan]], our lawyer, checks every contract. We mark each territory in a colour. Mr [[P:Wang]] sent the last one back with forty comments.

Interviewer: Any advice?

[[P:Mark Hope]]: Meet in person. [[P:Carlos Mendes]] taught me that in Lisbon, long before any of this.""",
    """Interviewer: [[P:Li Ming]], thank you. Tell me about the tours.

[[P:Li Ming]]: We sell cultural tours from Xi'an to Minsk. [[P:Olga Melnikova]] at the philharmonic in Pinsk hosts our groups every summer, and [[P:Dmitry Sokolov]] drives them between the castles. Last year [[P:Zhang Xiaoyan]] organised a calligraphy evening with [[P:Olga]].

Interviewer: What goes wrong?

[[P:Li Ming]]: Visas, always visas. Mr [[P:Li]] is me, by the way; the Belarusian side writes [[P:Ming Li]] on the forms, which confuses the hotels. [[P:Andrei Volkov]] at the border office is kind but strict.""",
]

RU = [
    """Интервьюер: Спасибо, [[P:Ольга]]. Расскажите о филармонии.

[[P:Ольга Мельникова]]: Я работаю в [[O:Полесская филармония]] двадцать лет. С [[P:Дмитрием Соколовым]] мы возим китайские группы по замкам. В прошлом году [[P:Ганна Карпович]] снимала у нас фильм, и [[P:Ганну]] все полюбили.

Интервьюер: Как начиналось сотрудничество?

[[P:Ольга Мельникова]]: Случайно. [[P:Дмитрий]] позвонил мне из Минска и сказал, что [[P:Ли Мин]] ищет площадку. Потом приехала [[P:Чжан Сяоянь]] с каллиграфами. Без [[P:Ольги Мельниковой]], говорят, ничего бы не вышло, но это преувеличение.""",
    """Интервьюер: [[P:Дмитрий]], вы водитель?

[[P:Дмитрий Соколов]]: Водитель и немного гид. Я показываю Несвиж и Мир. [[P:Ольга]] пишет маршрут, а я его меняю, если дождь. С [[P:Ольгой Мельниковой]] мы работаем с 2016 года.

Интервьюер: Что нравится гостям?

[[P:Дмитрий Соколов]]: Замки и еда. [[P:Соколову]] это приятно слышать. Однажды [[P:Карпович]] попросила снять автобус для фильма, и мы два дня стояли в поле. [[P:Ганне Карпович]] я потом подарил фотографии.""",
    """Интервьюер: [[P:Ганна]], о чём ваш фильм?

[[P:Ганна Карпович]]: О дороге. Продюсер — [[P:Мельникова]], нет, простите, она консультант. Продюсер у нас [[P:Дмитрий Соколов]], он же водитель. Деньги дал фонд, где работает [[P:Игорь Лапин]].

Интервьюер: Трудно было?

[[P:Ганна Карпович]]: Очень. Без [[P:Ганны]] никто не подписывал бумаги, так что я подписывала всё сама.""",
]

ZH = [
    """采访者：[[P:何文静]]女士，谢谢您。请介绍一下您的公司。

[[P:何文静]]：我在[[O:Qingshan Film Co.]]工作了十年。我们和[[P:王佳瑞]]一起做数字发行，[[P:佳瑞]]负责技术。去年[[P:李明]]带团去明斯克，[[P:张晓燕]]组织了书法活动。

采访者：合作顺利吗？

[[P:何文静]]：总的来说很顺利。[[P:王总]]很细心，[[P:何女士]]——就是我——比较急。白俄罗斯那边的[[P:奥尔加]]非常热情。""",
    """采访者：[[P:王佳瑞]]先生，您在[[O:云桥数字]]做什么？

[[P:王佳瑞]]：我负责平台和字幕。[[P:文静]]和我每周开会。[[P:李明]]的旅行社也用我们的系统，[[P:李老师]]说界面太复杂。[[P:张晓燕]]帮我们翻译了俄语部分。

采访者：将来有什么计划？

[[P:王佳瑞]]：和[[P:何文静]]一起做一部纪录片，讲丝绸之路上的手艺人。""",
    """采访者：[[P:张晓燕]]老师，您好。

[[P:张晓燕]]：您好。我教书法，也在[[O:丝路文旅]]做顾问。[[P:晓燕]]是我的名字，朋友都这么叫我。[[P:李明]]请我去白俄罗斯，[[P:张老师]]这个称呼是学生们给的。

采访者：那次活动怎么样？

[[P:张晓燕]]：很成功。[[P:马丽娜]]在明斯克帮了很多忙。""",
]

CORPUS = {"en": EN, "ru": RU, "zh": ZH}

_MARK = re.compile(r"\[\[([PO]):([^\]]+)\]\]")


def labelled(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The plain text and its gold spans (start, end, 'PERSON' or 'ORG')."""
    pieces, gold, at, length = [], [], 0, 0
    for match in _MARK.finditer(marked):
        pieces.append(marked[at : match.start()])
        length += match.start() - at
        name = match.group(2)
        gold.append((length, length + len(name), "PERSON" if match.group(1) == "P" else "ORG"))
        pieces.append(name)
        length += len(name)
        at = match.end()
    pieces.append(marked[at:])
    return "".join(pieces), gold
