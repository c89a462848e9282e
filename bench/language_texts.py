# ruff: noqa: E501 (each text is kept on one line, as written)
"""Labelled texts for bench/language_detection.py: ten languages, short and long.

Written for this benchmark (not quoted from any source; figures illustrative). For
each language: a headline of a few words, four single sentences (one a question)
and three paragraphs of news prose (trade, a central bank, floods), written alike
across the languages so that only the language differs.
"""

NOTE = "written for this benchmark, not quoted from any source"

TEXTS: dict[str, list[str]] = {
    "en": [
        "Oil prices climb again today",
        "Trade between the two countries rose sharply last year.",
        "The minister said the talks would continue next week.",
        "Oil exports fell to their lowest level since 2015.",
        "Is the bridge open again after the storm?",
        "Iran and Russia signed a new agreement on rail transport on Tuesday. Officials said the corridor would cut delivery times by several days and lower costs for exporters. The project has been discussed for more than a decade, but financing remained uncertain until this year.",
        "The central bank kept its main interest rate unchanged at its meeting, citing slowing inflation and weak consumer demand. Analysts had expected the decision, although some argued that a cut would have supported investment in the second half of the year.",
        "Heavy rain flooded several villages in the north of the country over the weekend. Rescue teams evacuated hundreds of families, and the regional government promised compensation for damaged homes and crops.",
    ],
    "ru": [
        "Цены на нефть снова растут",
        "Товарооборот между странами заметно вырос в прошлом году.",
        "Министр заявил, что переговоры продолжатся на следующей неделе.",
        "Экспорт нефти сократился до минимального уровня с 2015 года.",
        "Когда откроют мост после шторма?",
        "Россия и Иран во вторник подписали новое соглашение о железнодорожных перевозках. По словам чиновников, коридор сократит сроки доставки на несколько дней и снизит расходы экспортеров. Проект обсуждается более десяти лет, однако вопрос финансирования оставался открытым до этого года.",
        "Центральный банк сохранил ключевую ставку на прежнем уровне, сославшись на замедление инфляции и слабый потребительский спрос. Аналитики ожидали такого решения, хотя некоторые считали, что снижение ставки поддержало бы инвестиции во втором полугодии.",
        "В выходные сильные дожди затопили несколько сел на севере страны. Спасатели эвакуировали сотни семей, а региональные власти пообещали компенсацию за поврежденные дома и посевы.",
    ],
    "uk": [
        "Ціни на нафту знову зростають",
        "Товарообіг між країнами помітно зріс минулого року.",
        "Міністр заявив, що переговори продовжаться наступного тижня.",
        "Експорт зерна скоротився до найнижчого рівня з 2015 року.",
        "Коли відкриють міст після шторму?",
        "Україна та Польща у вівторок підписали нову угоду про залізничні перевезення. За словами посадовців, коридор скоротить терміни доставки на кілька днів і зменшить витрати експортерів. Проєкт обговорюють понад десять років, однак питання фінансування залишалося відкритим до цього року.",
        "Національний банк залишив облікову ставку без змін, посилаючись на сповільнення інфляції та слабкий споживчий попит. Аналітики очікували такого рішення, хоча дехто вважав, що зниження ставки підтримало б інвестиції у другому півріччі.",
        "На вихідних сильні дощі затопили кілька сіл на півночі країни. Рятувальники евакуювали сотні родин, а місцева влада пообіцяла компенсацію за пошкоджені будинки та посіви.",
    ],
    "bg": [
        "Цените на петрола отново растат",
        "Търговията между двете страни нарасна значително миналата година.",
        "Министърът заяви, че преговорите ще продължат следващата седмица.",
        "Износът на зърно спадна до най-ниското си ниво от 2015 година.",
        "Кога ще отворят моста след бурята?",
        "България и Румъния подписаха във вторник ново споразумение за железопътния транспорт. Според официални лица коридорът ще съкрати сроковете за доставка с няколко дни и ще намали разходите на износителите. Проектът се обсъжда от повече от десет години, но финансирането остана несигурно до тази година.",
        "Централната банка запази основния лихвен процент без промяна, като се позова на забавянето на инфлацията и слабото потребителско търсене. Анализаторите очакваха това решение, въпреки че някои смятаха, че понижение би подкрепило инвестициите през второто полугодие.",
        "През уикенда проливни дъждове наводниха няколко села в северната част на страната. Спасителите евакуираха стотици семейства, а областната управа обеща обезщетения за пострадалите къщи и посеви.",
    ],
    "fa": [
        "قیمت نفت دوباره بالا رفت",
        "حجم تجارت دو کشور در سال گذشته به طور چشمگیری افزایش یافت.",
        "وزیر گفت که مذاکرات هفته آینده ادامه خواهد داشت.",
        "صادرات نفت به پایین‌ترین سطح خود از سال ۲۰۱۵ رسید.",
        "پل پس از طوفان کی دوباره باز می‌شود؟",
        "ایران و روسیه روز سه‌شنبه توافق‌نامه جدیدی درباره حمل و نقل ریلی امضا کردند. به گفته مقامات، این کریدور زمان تحویل کالا را چند روز کوتاه‌تر می‌کند و هزینه صادرکنندگان را کاهش می‌دهد. این طرح بیش از ده سال است که مطرح شده، اما تامین مالی آن تا امسال نامشخص بود.",
        "بانک مرکزی نرخ سود را بدون تغییر نگه داشت و دلیل آن را کاهش تورم و ضعف تقاضای مصرف‌کنندگان اعلام کرد. تحلیلگران انتظار این تصمیم را داشتند، هرچند برخی معتقد بودند کاهش نرخ می‌توانست به سرمایه‌گذاری در نیمه دوم سال کمک کند.",
        "باران‌های شدید در آخر هفته چند روستا را در شمال کشور زیر آب برد. نیروهای امدادی صدها خانواده را تخلیه کردند و استانداری وعده داد خسارت خانه‌ها و محصولات کشاورزی را جبران کند.",
    ],
    "ar": [
        "أسعار النفط ترتفع مجددا",
        "ارتفع حجم التجارة بين البلدين بشكل ملحوظ في العام الماضي.",
        "قال الوزير إن المفاوضات ستستمر الأسبوع المقبل.",
        "انخفضت صادرات النفط إلى أدنى مستوى لها منذ عام 2015.",
        "متى سيفتح الجسر مرة أخرى بعد العاصفة؟",
        "وقعت مصر والأردن يوم الثلاثاء اتفاقية جديدة بشأن النقل بالسكك الحديدية. وقال مسؤولون إن الممر سيختصر مدة التسليم عدة أيام ويخفض تكاليف المصدرين. ويجري بحث المشروع منذ أكثر من عشر سنوات، لكن التمويل ظل غير مؤكد حتى هذا العام.",
        "أبقى البنك المركزي على سعر الفائدة الرئيسي دون تغيير، مشيرا إلى تباطؤ التضخم وضعف الطلب الاستهلاكي. وكان المحللون يتوقعون هذا القرار، رغم أن بعضهم رأى أن خفض السعر كان سيدعم الاستثمار في النصف الثاني من العام.",
        "غمرت الأمطار الغزيرة عدة قرى في شمال البلاد خلال عطلة نهاية الأسبوع. وأجلت فرق الإنقاذ مئات العائلات، ووعدت السلطات المحلية بتعويض أصحاب المنازل والمحاصيل المتضررة.",
    ],
    "ur": [
        "تیل کی قیمتیں پھر بڑھ گئیں",
        "گزشتہ سال دونوں ممالک کے درمیان تجارت میں نمایاں اضافہ ہوا۔",
        "وزیر نے کہا کہ مذاکرات اگلے ہفتے جاری رہیں گے۔",
        "تیل کی برآمدات 2015 کے بعد کم ترین سطح پر آ گئیں۔",
        "طوفان کے بعد پل دوبارہ کب کھلے گا؟",
        "پاکستان اور ایران نے منگل کو ریل کے ذریعے نقل و حمل کے ایک نئے معاہدے پر دستخط کیے۔ حکام کے مطابق یہ راہداری سامان کی ترسیل کا وقت کئی دن کم کر دے گی اور برآمد کنندگان کے اخراجات گھٹائے گی۔ اس منصوبے پر دس سال سے زیادہ عرصے سے بات ہو رہی ہے، لیکن اس سال تک مالی وسائل غیر یقینی تھے۔",
        "مرکزی بینک نے افراط زر میں کمی اور صارفین کی کمزور طلب کا حوالہ دیتے ہوئے شرح سود میں کوئی تبدیلی نہیں کی۔ تجزیہ کاروں کو اسی فیصلے کی توقع تھی، اگرچہ بعض کا خیال تھا کہ شرح میں کمی سے سال کے دوسرے حصے میں سرمایہ کاری کو مدد ملتی۔",
        "ہفتے کے آخر میں شدید بارشوں نے ملک کے شمال میں کئی دیہات کو زیر آب کر دیا۔ امدادی ٹیموں نے سینکڑوں خاندانوں کو محفوظ مقامات پر منتقل کیا اور صوبائی حکومت نے تباہ شدہ گھروں اور فصلوں کے معاوضے کا وعدہ کیا۔",
    ],
    "de": [
        "Ölpreise steigen erneut an",
        "Der Handel zwischen beiden Ländern ist im vergangenen Jahr deutlich gestiegen.",
        "Der Minister sagte, die Gespräche würden nächste Woche fortgesetzt.",
        "Die Ölexporte fielen auf den tiefsten Stand seit 2015.",
        "Wann wird die Brücke nach dem Sturm wieder geöffnet?",
        "Deutschland und Polen haben am Dienstag ein neues Abkommen über den Schienengüterverkehr unterzeichnet. Nach Angaben von Beamten soll der Korridor die Lieferzeiten um mehrere Tage verkürzen und die Kosten für Exporteure senken. Das Projekt wird seit mehr als zehn Jahren diskutiert, doch die Finanzierung blieb bis zu diesem Jahr unsicher.",
        "Die Zentralbank ließ ihren Leitzins unverändert und verwies auf die nachlassende Inflation und die schwache Konsumnachfrage. Analysten hatten mit der Entscheidung gerechnet, obwohl einige meinten, eine Senkung hätte die Investitionen im zweiten Halbjahr gestützt.",
        "Starke Regenfälle haben am Wochenende mehrere Dörfer im Norden des Landes überflutet. Rettungskräfte brachten Hunderte Familien in Sicherheit, und die Landesregierung versprach Entschädigungen für beschädigte Häuser und Ernten.",
    ],
    "fr": [
        "Les prix du pétrole remontent",
        "Le commerce entre les deux pays a fortement augmenté l'an dernier.",
        "Le ministre a déclaré que les négociations reprendraient la semaine prochaine.",
        "Les exportations de pétrole sont tombées à leur plus bas niveau depuis 2015.",
        "Quand le pont sera-t-il rouvert après la tempête ?",
        "La France et l'Espagne ont signé mardi un nouvel accord sur le transport ferroviaire de marchandises. Selon les responsables, le corridor réduira les délais de livraison de plusieurs jours et diminuera les coûts des exportateurs. Le projet est discuté depuis plus de dix ans, mais son financement restait incertain jusqu'à cette année.",
        "La banque centrale a maintenu son taux directeur inchangé, invoquant le ralentissement de l'inflation et la faiblesse de la demande des ménages. Les analystes s'attendaient à cette décision, même si certains estimaient qu'une baisse aurait soutenu l'investissement au second semestre.",
        "De fortes pluies ont inondé plusieurs villages dans le nord du pays ce week-end. Les secours ont évacué des centaines de familles et le gouvernement régional a promis d'indemniser les maisons et les récoltes endommagées.",
    ],
    "es": [
        "Los precios del petróleo suben otra vez",
        "El comercio entre los dos países aumentó notablemente el año pasado.",
        "El ministro dijo que las negociaciones continuarán la próxima semana.",
        "Las exportaciones de petróleo cayeron a su nivel más bajo desde 2015.",
        "¿Cuándo volverán a abrir el puente después de la tormenta?",
        "España y Portugal firmaron el martes un nuevo acuerdo sobre el transporte ferroviario de mercancías. Según los funcionarios, el corredor reducirá los plazos de entrega en varios días y bajará los costes de los exportadores. El proyecto se discute desde hace más de diez años, pero la financiación siguió siendo incierta hasta este año.",
        "El banco central mantuvo sin cambios su tipo de interés de referencia, citando la desaceleración de la inflación y la débil demanda de los consumidores. Los analistas esperaban la decisión, aunque algunos opinaban que una rebaja habría apoyado la inversión en el segundo semestre.",
        "Fuertes lluvias inundaron varios pueblos del norte del país durante el fin de semana. Los equipos de rescate evacuaron a cientos de familias y el gobierno regional prometió indemnizar por las casas y cosechas dañadas.",
    ],
}
# The first five texts of each language are short (a headline, four sentences).
SHORT = 5
