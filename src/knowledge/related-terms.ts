/**
 * Related terms of pt-BR customer service: groups of words a customer and a business use for the
 * same thing without sharing a word stem ("parar o carro" ~ estacionamento, "criança" ~ pediatria,
 * "quanto custa" ~ preço). A question that names one member the knowledge base does not use also
 * looks for the others, at a lower weight (query.ts): the lexical rankers cannot bridge such gaps,
 * and an embedding model is not always configured.
 *
 * Where it comes from: written by the project from general knowledge of what Brazilian customers
 * ask businesses (opening hours, prices, payment, delivery, returns, appointments, health, school,
 * food, vehicles, internet, accounts). It was written without reading the held-out evaluation set
 * (datasets/faq_ptbr) and is not a list of its words; datasets/faq_ptbr_tuning was used to check
 * that expansion helps. Words are folded (lower case, no accents), as search text is; a word also
 * matches its inflections (query.ts: a shared prefix), so one form per word is enough.
 */
export const RELATED_TERMS: readonly (readonly string[])[] = [
  // When it is open
  [
    'horario',
    'abre',
    'abrem',
    'aberto',
    'fecha',
    'fecham',
    'fechado',
    'funcionamento',
    'expediente',
  ],
  ['feriado', 'domingo', 'fim de semana', 'sabado'],
  // What it costs and how to pay
  ['preco', 'valor', 'custa', 'custo', 'cobram', 'taxa', 'tarifa', 'quanto'],
  ['pagamento', 'pagar', 'pago', 'pix', 'boleto', 'cartao', 'credito', 'debito', 'dinheiro'],
  ['parcelar', 'parcelado', 'parcelas', 'vezes', 'prestacao'],
  ['desconto', 'promocao', 'cupom', 'barato', 'abatimento', 'bolsa'],
  ['mensalidade', 'mensal', 'plano', 'assinatura'],
  ['reembolso', 'estorno', 'devolver', 'devolucao', 'dinheiro de volta', 'ressarcimento'],
  ['cancelar', 'cancelamento', 'desistir', 'encerrar', 'rescindir', 'sair'],
  ['multa', 'fidelidade', 'carencia'],
  ['nota fiscal', 'recibo', 'comprovante'],
  // Getting things and sending them back
  [
    'entrega',
    'entregar',
    'frete',
    'envio',
    'enviar',
    'mandar',
    'delivery',
    'ifood',
    'motoboy',
    'chegar',
  ],
  ['prazo', 'demora', 'demorar', 'tempo', 'quando'],
  ['rastreio', 'rastrear', 'acompanhar', 'pedido', 'encomenda'],
  ['troca', 'trocar', 'devolver', 'arrependimento'],
  ['defeito', 'quebrado', 'estragado', 'problema', 'errado', 'garantia'],
  ['buscar', 'pegar', 'retirar', 'retirada', 'levar', 'trazer', 'transporte', 'leva e traz'],
  // Where it is, and getting there
  ['endereco', 'localizacao', 'onde', 'fica', 'chegar', 'mapa'],
  ['estacionamento', 'estacionar', 'parar', 'paro', 'vaga', 'valet', 'manobrista', 'garagem'],
  ['acessibilidade', 'cadeirante', 'rampa', 'elevador', 'deficiencia'],
  // Booking
  ['agendar', 'agendamento', 'marcar', 'horario marcado', 'reserva', 'reservar', 'guardar'],
  ['remarcar', 'desmarcar', 'adiar', 'faltar', 'atrasar', 'atraso', 'tolerancia'],
  ['fila', 'espera', 'esperar', 'ordem de chegada', 'encaixe'],
  // Talking to someone
  ['contato', 'telefone', 'whatsapp', 'ligar', 'falar', 'atendimento', 'central', 'sac'],
  ['reclamacao', 'reclamar', 'ouvidoria', 'insatisfeito'],
  // People
  [
    'crianca',
    'filho',
    'filha',
    'bebe',
    'infantil',
    'kids',
    'pediatria',
    'pediatra',
    'menor',
    'menino',
    'menina',
  ],
  ['idoso', 'terceira idade', 'aposentado', 'melhor idade'],
  ['gravida', 'gestante', 'gravidez', 'prenatal', 'obstetra'],
  ['aniversario', 'aniversariante', 'niver', 'comemorar', 'festa'],
  ['acompanhante', 'acompanhar', 'junto'],
  // Papers
  ['documento', 'documentos', 'rg', 'cpf', 'identidade', 'certidao', 'comprovante'],
  ['matricula', 'matricular', 'inscricao', 'inscrever', 'cadastro', 'cadastrar'],
  ['contrato', 'termo', 'assinar'],
  ['atestado', 'declaracao', 'laudo', 'receita', 'pedido medico'],
  // Health
  ['medico', 'doutor', 'consulta', 'especialista', 'clinico', 'veterinario'],
  ['exame', 'exames', 'laboratorio', 'coleta', 'sangue', 'resultado'],
  ['convenio', 'plano de saude', 'particular', 'unimed', 'amil'],
  ['vacina', 'vacinar', 'vacinacao', 'dose', 'imunizacao'],
  ['jejum', 'comer', 'beber', 'preparo'],
  [
    'dor',
    'doente',
    'sintoma',
    'mal',
    'passando mal',
    'urgencia',
    'emergencia',
    'plantao',
    'pronto atendimento',
  ],
  ['dentista', 'dente', 'odontologia', 'ortodontia', 'aparelho'],
  ['cirurgia', 'operacao', 'operar', 'procedimento', 'castracao', 'castrar'],
  // Animals
  ['cachorro', 'cao', 'cadela', 'cachorra', 'pet', 'animal', 'filhote'],
  ['gato', 'gata', 'felino', 'pet', 'animal'],
  ['banho', 'tosa', 'tosar', 'higiene', 'pelo'],
  ['hotel', 'hospedagem', 'hospedar', 'creche', 'diaria', 'pernoite'],
  ['racao', 'comida', 'alimentacao', 'petisco'],
  // Food
  ['cardapio', 'menu', 'prato', 'pratos', 'opcoes', 'comida'],
  ['vegetariano', 'vegano', 'sem carne', 'plant based'],
  ['gluten', 'celiaco', 'trigo', 'intolerancia', 'alergia', 'lactose', 'restricao'],
  ['almoco', 'jantar', 'janta', 'cafe da manha', 'lanche', 'refeicao'],
  ['bebida', 'refrigerante', 'suco', 'cerveja', 'vinho', 'rolha'],
  ['garcom', 'servico', 'gorjeta', '10%'],
  ['vale refeicao', 'ticket', 'vr', 'alelo', 'sodexo', 'vale alimentacao'],
  // Exercise
  ['academia', 'treino', 'treinar', 'musculacao', 'malhar', 'exercicio'],
  ['aula', 'aulas', 'turma', 'curso', 'modalidade', 'atividade'],
  ['professor', 'instrutor', 'personal', 'treinador', 'monitor'],
  ['avaliacao', 'avaliacao fisica', 'bioimpedancia'],
  ['armario', 'vestiario', 'chuveiro', 'cadeado'],
  ['trancar', 'congelar', 'pausar', 'suspender', 'viagem', 'viajar'],
  // School
  ['escola', 'colegio', 'ensino', 'serie', 'ano', 'turma'],
  ['nota', 'notas', 'boletim', 'media', 'prova', 'desempenho'],
  ['recuperacao', 'reforco', 'reprovar', 'reprovado'],
  ['ferias', 'recesso', 'calendario'],
  ['uniforme', 'camiseta', 'roupa', 'farda'],
  // Vehicles and insurance
  ['carro', 'veiculo', 'automovel', 'moto'],
  ['acidente', 'batida', 'bater', 'bati', 'colisao', 'sinistro'],
  ['guincho', 'reboque', 'socorro', 'assistencia', 'pane'],
  ['roubo', 'roubado', 'roubaram', 'furto', 'furtado', 'levaram'],
  ['cotacao', 'orcamento', 'simular', 'simulacao', 'proposta'],
  ['franquia', 'participacao', 'coparticipacao'],
  ['apolice', 'seguro', 'cobertura', 'cobre'],
  ['renovar', 'renovacao', 'vencimento', 'vence', 'vigencia'],
  ['motorista', 'condutor', 'dirigir', 'habilitacao', 'cnh'],
  // Internet, phones, accounts
  ['internet', 'wifi', 'rede', 'conexao', 'sinal'],
  ['lenta', 'lento', 'velocidade', 'caindo', 'oscilando', 'instavel', 'mega', 'megas'],
  ['instalacao', 'instalar', 'tecnico', 'visita'],
  ['roteador', 'modem', 'aparelho', 'equipamento'],
  ['sem internet', 'sem sinal', 'fora do ar', 'queda', 'caiu'],
  ['senha', 'login', 'acesso', 'entrar', 'conta', 'usuario'],
  ['aplicativo', 'app', 'site', 'online', 'internet'],
  ['segunda via', 'fatura', 'conta', 'boleto'],
  // Jobs
  ['emprego', 'vaga', 'trabalhar', 'curriculo', 'trabalhe conosco'],
];
