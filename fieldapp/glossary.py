"""The one glossary: every coded value a person reads, in Chinese and English.

The field app (through ``GET /api/v1/glossary``), the console, exports, SMS and push all
take their words from here, so a code is never named two ways on two surfaces. Groups are
named after the field that carries the code. Importable without Flask.
"""

from __future__ import annotations

from typing import NamedTuple

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
# What a screen shows for a value that is not there: never "None" or "null".
BLANK = "—"


class Term(NamedTuple):
    """A code's words: Chinese first, English second."""

    zh: str
    en: str


def _terms(**words: tuple[str, str]) -> dict[str, Term]:
    return {code: Term(*pair) for code, pair in words.items()}


# The product's one name, on the login page, the console, staff SMS and push (the manifest's too).
PRODUCT = Term("村医随访", "Village Doctor Follow-up")


GLOSSARY: dict[str, dict[str, Term]] = {
    "sex": _terms(M=("男", "Male"), F=("女", "Female")),
    "condition": _terms(hypertension=("高血压", "Hypertension"), diabetes=("2型糖尿病", "Type 2 diabetes")),
    "role": _terms(
        village_doctor=("村医", "Village doctor"),
        township_doctor=("乡镇医生", "Township doctor"),
        township_manager=("乡镇卫生院管理员", "Township manager"),
        referral_desk=("转诊接诊台", "Referral desk"),
        county_admin=("县级管理员", "County admin"),
    ),
    "queue_state": _terms(
        due=("即将到期", "Due"),
        overdue=("已逾期", "Overdue"),
        lost=("失访", "Lost to follow-up"),
        all=("全部", "All"),
        screening=("筛查待确诊", "Screening to confirm"),
        health_check=("待年度体检", "Health check due"),
    ),
    "classification": _terms(
        controlled=("控制满意", "Controlled"),
        uncontrolled=("控制不满意", "Uncontrolled"),
        adverse_reaction=("不良反应", "Adverse reaction"),
        complication=("并发症", "Complication"),
    ),
    "mode": _terms(clinic=("门诊", "Clinic"), home=("家庭", "Home"), phone=("电话", "Phone")),
    "urgency": _terms(
        emergency=("急诊", "Emergency"), urgent=("加急", "Urgent"), routine=("常规", "Routine")
    ),
    "urgency_window": _terms(
        emergency=("15分钟内接收", "accept within 15 minutes"),
        urgent=("2小时内接收", "accept within 2 hours"),
        routine=("24小时内接收", "accept within 24 hours"),
    ),
    "referral_status": _terms(
        pending=("待接收", "Pending"),
        accepted=("已接收", "Accepted"),
        declined=("已拒绝", "Declined"),
        completed=("已回转", "Completed"),
        cancelled=("已取消", "Cancelled"),
    ),
    "enrollment_status": _terms(active=("管理中", "Active"), closed=("已结案", "Closed")),
    "close_reason": _terms(
        moved=("迁出", "Moved away"),
        died=("死亡", "Died"),
        refused=("拒绝管理", "Refused"),
        lost=("失访", "Lost"),
        misdiagnosed=("排除诊断", "Misdiagnosed"),
        cured=("治愈", "Cured"),
        other=("其他", "Other"),
    ),
    "medication_adherence": _terms(
        regular=("规律", "Regular"), intermittent=("间断", "Intermittent"), none=("不服药", "None")
    ),
    "visit_purpose": _terms(
        household=("入户", "Household"),
        followup=("随访", "Follow-up"),
        patrol=("巡诊", "Patrol"),
        education=("健康教育", "Education"),
    ),
    "message_status": _terms(
        queued=("待发送", "Queued"),
        sending=("发送中", "Sending"),
        sent=("已发送", "Sent"),
        delivered=("已送达", "Delivered"),
        undelivered=("未送达", "Undelivered"),
        failed=("发送失败", "Failed"),
        suppressed=("未发送", "Suppressed"),
    ),
    "message_kind": _terms(
        reminder=("随访提醒", "Reminder"),
        overdue=("逾期通知", "Overdue notice"),
        referral=("转诊通知", "Referral"),
        escalation=("转诊催办", "Escalation"),
        patrol=("巡诊通知", "Patrol"),
        reply=("回复", "Reply"),
        contract_renewal=("续约提醒", "Contract renewal"),
        verification=("随访核实", "Verification"),
    ),
    "suppressed_reason": _terms(
        no_consent=("未同意接收短信", "No consent"),
        opted_out=("已退订", "Opted out"),
        quiet_hours=("免打扰时段", "Quiet hours"),
        duplicate=("重复", "Duplicate"),
        invalid_number=("号码无效", "Invalid number"),
    ),
    "audit_action": _terms(
        read=("查看", "Read"),
        list=("查询列表", "Listed"),
        export=("导出", "Exported"),
        create=("新建", "Created"),
        update=("修改", "Changed"),
        accept=("接收", "Accepted"),
        decline=("拒绝", "Declined"),
        complete=("回转", "Completed"),
        cancel=("取消", "Cancelled"),
        close=("结案", "Closed"),
        login=("登录", "Signed in"),
        logout=("退出", "Signed out"),
        duplicate=("身份证号查重（辖区外）", "Duplicate ID number (outside the area)"),
        terminate=("解约", "Terminated"),
        **{"import": ("导入", "Imported")},
    ),
    "import_status": _terms(
        running=("导入中", "Running"), done=("已完成", "Done"), failed=("无法导入", "Failed")
    ),
    # What an audit entry read or changed: one record, or (plural) a bulk read's list.
    "audit_entity": _terms(
        resident=("居民档案", "Resident record"),
        referral=("转诊单", "Referral"),
        enrollment=("慢病管理", "Enrollment"),
        followup=("随访记录", "Follow-up"),
        residents=("居民列表", "Residents"),
        queue=("随访队列", "Follow-up queue"),
        referrals=("转诊列表", "Referrals"),
        messages=("短信记录", "Messages"),
        sync=("离线同步", "Offline sync"),
        verifications=("真实性核查列表", "Verifications"),
        assessment=("乡村医生考核表", "Assessment sheet"),
        assessment_records=("考核明细", "Records behind an assessment"),
        training=("培训与指导报告", "Training report"),
        **{"import": ("档案导入", "Register import")},
    ),
    "yes_no": _terms(yes=("是", "Yes"), no=("否", "No")),
    "key_group": _terms(
        elderly=("65岁及以上老年人", "Aged 65 or over"),
        hypertension=("高血压患者", "Hypertension"),
        diabetes=("2型糖尿病患者", "Type 2 diabetes"),
        pregnant=("孕产妇", "Pregnant or postpartum"),
        child_0_6=("0-6岁儿童", "Child aged 0-6"),
        disabled=("残疾人", "Disabled"),
        severe_mental_illness=("严重精神障碍患者", "Severe mental illness"),
        tuberculosis=("肺结核患者", "Tuberculosis"),
        low_income=("低收入人群", "Low income"),
    ),
    "team_role": _terms(
        lead=("团队长（全科医生）", "Lead (general practitioner)"),
        village_doctor=("村医", "Village doctor"),
        nurse=("护士", "Nurse"),
        public_health=("公卫人员", "Public health staff"),
        specialist=("县医院专科医生", "County specialist"),
    ),
    "contract_status": _terms(
        active=("履约中", "Active"), expired=("已到期", "Expired"), terminated=("已解约", "Terminated")
    ),
    "contact_channel": _terms(phone=("电话", "Phone"), visit=("上门", "Visit"), sms=("短信", "SMS")),
    "contact_result": _terms(
        will_come=("答应来", "Will come"),
        unreachable=("联系不上", "Unreachable"),
        wrong_number=("号码错误", "Wrong number"),
        moved=("已迁出", "Moved away"),
        died=("已死亡", "Died"),
        refused=("拒绝", "Refused"),
    ),
    "screening_result": _terms(
        normal=("正常", "Normal"),
        high_normal=("正常高值", "High normal"),
        suspected_hypertension=("疑似高血压", "Suspected hypertension"),
        suspected_diabetes=("疑似糖尿病", "Suspected diabetes"),
    ),
    "screening_outcome": _terms(
        confirmed=("已确诊", "Confirmed"),
        excluded=("已排除", "Excluded"),
        not_reached=("未联系上", "Not reached"),
    ),
    "screening_status": _terms(open=("待确诊", "Waiting for confirmation"), closed=("已完成", "Done")),
    "risk_factor": _terms(
        overweight=("超重或肥胖", "Overweight"),
        smoking=("吸烟", "Smoking"),
        family_history=("家族史", "Family history"),
        high_salt=("高盐饮食", "High salt"),
        drinking=("长期过量饮酒", "Heavy drinking"),
        inactive=("缺乏体力活动", "Physically inactive"),
        age_55_plus=("年龄55岁及以上", "Aged 55 or over"),
        waist_high=("腰围超标", "High waist"),
    ),
    "normal_abnormal": _terms(normal=("正常", "Normal"), abnormal=("异常", "Abnormal")),
    "urine_protein": _terms(
        negative=("阴性（-）", "Negative (-)"),
        trace=("微量（±）", "Trace (±)"),
        **{"+": ("阳性（+）", "+"), "++": ("阳性（++）", "++"), "+++": ("阳性（+++）", "+++")},
    ),
    "verification_status": _terms(
        asked=("待回复", "Asked"),
        confirmed=("居民确认", "Confirmed"),
        denied=("居民否认", "Denied"),
        no_answer=("未回复", "No answer"),
    ),
    "verification_finding": _terms(
        genuine=("真实", "Genuine"),
        not_genuine=("不真实", "Not genuine"),
        unclear=("无法确定", "Unclear"),
    ),
    "assessment_part": _terms(
        quantity=("数量", "Quantity"),
        timeliness=("及时性", "Timeliness"),
        completeness=("完整性", "Completeness"),
        authenticity=("真实性", "Authenticity"),
        outcomes=("管理效果", "Outcomes"),
        training=("培训", "Training"),
    ),
    # The township's assessment sheet: its title and the columns beside the parts.
    "assessment_sheet": _terms(
        title=("村医绩效考核表", "Assessment of village doctors"),
        doctor=("村医", "Village doctor"),
        followups_done=("面对面随访完成数", "Face-to-face follow-ups done"),
        followups_due=("应随访数", "Follow-ups due"),
        denied=("居民否认数", "Denied by residents"),
        training_days=("培训天数", "Training days"),
        score=("得分", "Score"),
    ),
    "guidance_place": _terms(
        township=("乡镇卫生院", "Township health centre"), village=("村卫生室", "Village clinic")
    ),
    # The follow-up record (高血压/2型糖尿病患者随访服务记录表).
    "symptom": _terms(
        none=("无症状", "No symptoms"),
        headache_dizziness=("头痛头晕", "Headache, dizziness"),
        nausea_vomiting=("恶心呕吐", "Nausea, vomiting"),
        tinnitus_blurred_vision=("眼花耳鸣", "Blurred vision, tinnitus"),
        dyspnea=("呼吸困难", "Difficulty breathing"),
        palpitation_chest_tightness=("心悸胸闷", "Palpitations, chest tightness"),
        epistaxis=("鼻衄出血不止", "Nosebleed that will not stop"),
        limb_numbness=("四肢发麻", "Numb limbs"),
        lower_limb_edema=("下肢水肿", "Swollen legs"),
        polydipsia=("多饮", "Drinking a lot"),
        polyphagia=("多食", "Eating a lot"),
        polyuria=("多尿", "Passing much urine"),
        blurred_vision=("视力模糊", "Blurred vision"),
        infection=("感染", "Infection"),
        hand_foot_numbness=("手脚麻木", "Numb hands or feet"),
        weight_loss=("体重明显下降", "Marked weight loss"),
    ),
    "danger_sign": _terms(
        altered_consciousness=("意识改变", "Altered consciousness"),
        severe_headache_dizziness=("剧烈头痛或头晕", "Severe headache or dizziness"),
        nausea_vomiting=("恶心呕吐", "Nausea, vomiting"),
        blurred_vision=("视力模糊", "Blurred vision"),
        eye_pain=("眼痛", "Eye pain"),
        palpitations=("心悸", "Palpitations"),
        chest_tightness=("胸闷", "Chest tightness"),
        dyspnea_orthopnea=("喘憋不能平卧", "Breathless, cannot lie flat"),
        pregnancy_lactation_high_bp=(
            "妊娠期或哺乳期血压高于正常",
            "High blood pressure in pregnancy or lactation",
        ),
        other_unmanageable=("存在不能处理的其他疾病", "Another condition that cannot be managed here"),
        altered_consciousness_behaviour=("意识或行为改变", "Altered consciousness or behaviour"),
        ketotic_breath=("呼气有烂苹果样丙酮味", "Breath smells of acetone"),
        sweating=("出汗", "Sweating"),
        anorexia=("食欲减退", "Loss of appetite"),
        polydipsia_polyuria=("多饮多尿", "Drinking and passing much"),
        abdominal_pain=("腹痛", "Abdominal pain"),
        deep_breathing=("深大呼吸", "Deep, laboured breathing"),
        flushed_skin=("皮肤潮红", "Flushed skin"),
        fever_over_39=("体温超过39℃", "Temperature over 39 °C"),
        sudden_vision_loss=("视力突然骤降", "Sudden loss of vision"),
        pregnancy_lactation_high_glucose=(
            "妊娠期及哺乳期血糖高于正常",
            "High glucose in pregnancy or lactation",
        ),
        # The first edition's codes, still accepted.
        severe_headache=("剧烈头痛或头晕", "Severe headache or dizziness"),
        vomiting=("恶心呕吐", "Nausea, vomiting"),
        chest_pain=("胸闷", "Chest tightness"),
        pregnancy_high_bp=("妊娠期或哺乳期血压高于正常", "High blood pressure in pregnancy or lactation"),
        dehydration_polyuria=("多饮多尿", "Drinking and passing much"),
    ),
    "pulse": _terms(normal=("触及正常", "Normal"), weakened=("减弱", "Weakened"), absent=("消失", "Absent")),
    "salt": _terms(light=("轻", "Light"), moderate=("中", "Moderate"), heavy=("重", "Heavy")),
    "rating": _terms(good=("良好", "Good"), fair=("一般", "Fair"), poor=("差", "Poor")),
    "hypoglycaemia": _terms(
        none=("无", "None"), occasional=("偶尔", "Occasional"), frequent=("频繁", "Frequent")
    ),
    "patrol_kind": _terms(patrol=("巡诊", "Patrol"), stationing=("驻村服务", "Stationed service")),
    # One character for a month calendar's cell.
    "patrol_mark": _terms(patrol=("巡", "P"), stationing=("驻", "S")),
    "patrol_status": _terms(planned=("已计划", "Planned"), cancelled=("已取消", "Cancelled")),
    # Form fields, as an error message names them.
    "field": _terms(
        code=("编码", "Code"),
        name=("名称", "Name"),
        division_code=("区划代码", "Division code"),
        township_id=("乡镇", "Township"),
        village_id=("村", "Village"),
        village_ids=("负责的村", "Villages"),
        facility_id=("医院", "Facility"),
        phone=("电话", "Phone"),
        username=("用户名", "Username"),
        password=("密码", "Password"),
        role=("角色", "Role"),
        active=("可以登录", "May sign in"),
        kind=("类型", "Kind"),
        date=("日期", "Date"),
        until=("最后一天", "Last day"),
        team=("人员", "Team"),
        note=("备注", "Note"),
        reason=("原因", "Reason"),
        closed_on=("结案日期", "Closed on"),
        death_on=("死亡日期", "Date of death"),
        death_cause=("死亡原因", "Cause of death"),
        appointment_at=("就诊时间", "Appointment"),
        outcome=("结果", "Outcome"),
        expected=("应管理人数", "Expected"),
        _schema=("表单", "Form"),
    ),
    # What an export's title row calls the sheet, and its words.
    "export": _terms(
        queue=("随访队列", "Follow-up queue"),
        indicators=("高血压、2型糖尿病患者健康管理指标", "Hypertension and diabetes management indicators"),
        year=("年度", "Year"),
        exported_on=("导出日期", "Exported on"),
        total=("合计", "Total"),
    ),
    # Column headers of the console's exports (and the names of the fields they show).
    "column": _terms(
        name=("姓名", "Name"),
        sex=("性别", "Sex"),
        birth_date=("出生日期", "Date of birth"),
        phone=("联系电话", "Phone"),
        record_number=("档案编号", "Record number"),
        township=("乡镇", "Township"),
        village=("村", "Village"),
        condition=("病种", "Condition"),
        due_on=("应随访日期", "Due on"),
        days_overdue=("逾期天数", "Days overdue"),
        state=("状态", "State"),
        last_followup_at=("末次随访时间", "Last follow-up"),
        last_bp=("末次血压(mmHg)", "Last blood pressure (mmHg)"),
        last_classification=("末次随访分类", "Last classification"),
        doctor=("责任医生", "Doctor"),
        expected=("应管理人数", "Expected"),
        managed=("已管理人数", "Managed"),
        management_rate=("管理率", "Management rate"),
        standardized=("规范管理人数", "Standardized"),
        standardized_management_rate=("规范管理率", "Standardized management rate"),
        controlled=("控制满意人数", "Controlled"),
        control_rate=("控制率", "Control rate"),
        health_checked=("年度体检人数", "Health checked"),
        health_check_rate=("体检率", "Health check rate"),
        complete_records_rate=("记录完整率", "Complete records rate"),
        latest_records=("年内有随访记录人数", "With a follow-up record"),
        complete_records=("末次记录完整人数", "Latest record complete"),
        population_35plus=("35岁及以上居民数", "Residents aged 35+"),
        screened=("已筛查人数", "Screened"),
        screening_rate=("筛查率", "Screening rate"),
        suspected=("疑似人数", "Suspected"),
        confirmed=("确诊人数", "Confirmed"),
    ),
}


def term(group: str, code: str) -> Term | None:
    """The words of ``code`` in ``group``, or None when the glossary does not know it."""
    return GLOSSARY.get(group, {}).get(code)


def label(group: str, code: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """``code`` as a person reads it in ``language``; BLANK for none, the code itself if unknown."""
    if code is None or code == "":
        return BLANK
    found = term(group, code)
    if found is None:
        return code
    return found.en if language == "en" else found.zh


def labels(group: str, codes: list[str] | None, language: str = DEFAULT_LANGUAGE, sep: str = "、") -> str:
    """Several codes of one group, joined as a person writes a list; BLANK for none."""
    if not codes:
        return BLANK
    return sep.join(label(group, code, language) for code in codes)


def urgency_with_window(code: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """An urgency with its acceptance window, as every screen that offers or shows one must."""
    if code is None:
        return BLANK
    word, window = label("urgency", code, language), label("urgency_window", code, language)
    return f"{word}（{window}）" if language != "en" else f"{word} ({window})"


def as_dict(language: str = DEFAULT_LANGUAGE) -> dict[str, dict[str, str]]:
    """The whole glossary in one language, for the field app: ``{group: {code: word}}``."""
    return {
        group: {code: (words.en if language == "en" else words.zh) for code, words in terms.items()}
        for group, terms in GLOSSARY.items()
    }
